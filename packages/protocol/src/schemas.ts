/**
 * Runtime validation of everything a client can send, with valibot: it is small, tree-shakes to
 * the few validators a browser bundle uses (unlike zod's class-based core), and gives typed output
 * from the same definitions, so payload types are derived here rather than written twice.
 */
import * as v from 'valibot';
import { LobbyLimits, normalizeRoomCode } from './limits.js';
import { Topology } from './messages.js';

const displayName = v.pipe(v.string(), v.trim(), v.minLength(1, 'name is empty'), v.maxLength(LobbyLimits.displayNameMaxLength, `name is over ${LobbyLimits.displayNameMaxLength} characters`));
const mode = v.pipe(v.string(), v.maxLength(LobbyLimits.modeMaxLength), v.regex(/^[a-z0-9_-]+$/, 'mode must be [a-z0-9_-]'));
const maxPlayers = v.pipe(v.number(), v.integer(), v.minValue(LobbyLimits.roomSizeMin), v.maxValue(LobbyLimits.roomSizeMax));
const topology = v.picklist([Topology.Star, Topology.Mesh]);
/** Session ids are Colyseus ids: 9 characters of [A-Za-z0-9_-]. */
const memberId = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{4,32}$/, 'not a session id'));
const roomCode = v.pipe(
  v.string(),
  v.maxLength(32),
  v.transform((input) => normalizeRoomCode(input)),
  v.string('not a room code'),
);

/** How big a value is as JSON, or `undefined` if it nests deeper than `maxDepth` or is not plain data. */
export function plainDataSize(value: unknown, maxDepth: number): number | undefined {
  if (value === null || typeof value === 'boolean') return 5;
  if (typeof value === 'number') return Number.isFinite(value) ? 24 : undefined;
  if (typeof value === 'string') return value.length + 2;
  if (maxDepth <= 0 || typeof value !== 'object') return undefined;
  let size = 2;
  const entries = Array.isArray(value) ? value.map((item) => ['', item] as const) : Object.entries(value);
  if (!Array.isArray(value) && Object.getPrototypeOf(value) !== Object.prototype) return undefined;
  for (const [key, item] of entries) {
    const itemSize = plainDataSize(item, maxDepth - 1);
    if (itemSize === undefined) return undefined;
    size += key.length + 3 + itemSize;
  }
  return size;
}

/** What the game room needs to be created. Every field has a default. */
export const RoomOptionsSchema = v.object({
  /** Game mode; quick match only pairs players of one mode. @default 'default' */
  mode: v.optional(mode, 'default'),
  /**
   * How many players the room takes, the creator included: an integer from
   * `LobbyLimits.roomSizeMin` (2) to `LobbyLimits.roomSizeMax` (16); a join past it is refused
   * with `RoomFullError`. @default 2
   */
  maxPlayers: v.optional(maxPlayers, 2),
  /** Private rooms are joinable only by code: never listed, never quick-matched. @default false */
  private: v.optional(v.boolean(), false),
  /**
   * Which members link to each other: `'star'`, the host to everyone (the others reach each other
   * through the host's game, which suits a host-authoritative game: n − 1 links); `'mesh'`, every
   * pair (peer-to-peer games, voice between everyone: n(n − 1)/2 links). @default 'star'
   */
  topology: v.optional(topology, Topology.Star),
});
/** Room settings as a client may give them (every field optional). */
export type RoomOptions = v.InferInput<typeof RoomOptionsSchema>;
/** Room settings as the room has them (defaults filled in). */
export type RoomSettings = v.InferOutput<typeof RoomOptionsSchema>;

/**
 * The room a restore claim proves, as it was when the server issued the claim: its settings, its
 * lock, its host and its members. A room re-formed after a restart takes all of these from the
 * claim, never from whoever happens to be back first.
 */
export const RestoredRoomSchema = v.object({
  /** The settings it was made with. */
  settings: v.object({ mode, maxPlayers, private: v.boolean(), topology }),
  /** Whether its host had closed it to new players. */
  locked: v.boolean(),
  /** Its host's member id. */
  hostId: memberId,
  /** Every member's id, the claimant's included. */
  members: v.pipe(v.array(memberId), v.maxLength(LobbyLimits.roomSizeMax)),
});
/** A room as a restore claim proves it. */
export type RestoredRoom = v.InferOutput<typeof RestoredRoomSchema>;

/**
 * A member's claim to its place after the lobby server restarted (rooms are in memory), or after
 * its reconnection window ran out. The server hands each member its own claim, whole (in its
 * welcome, and again as `restore` messages whenever the room changes and before the claim
 * expires); the member sends it back as it is. `token` proves every other field: an HMAC with the
 * server's restore secret.
 */
export const RestoreSchema = v.object({
  /** The room's code, which the re-formed room keeps. */
  code: roomCode,
  /** The member's id, which it keeps too. */
  memberId,
  /** The member's join order in the lost room, so the host and the order survive. */
  order: v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(1e9)),
  /** When the claim stops being honoured, in ms since 1970 (`LobbyLimits.restoreClaimSeconds` after it was issued). */
  expiresAt: v.pipe(v.number(), v.integer(), v.minValue(0)),
  /** The room as it was when the claim was issued. */
  room: RestoredRoomSchema,
  /** The server's HMAC over every other field: the claim cannot be changed, only sent back. */
  token: v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{16,128}$/, 'not a restore token')),
});
/** A claim to a place in a room that re-forms after a server restart. */
export type Restore = v.InferOutput<typeof RestoreSchema>;

/** Options sent with every create / join / quick match. */
export const JoinOptionsSchema = v.object({
  /** The name the others see: trimmed, 1 to `LobbyLimits.displayNameMaxLength` (32) characters. @default 'Player' */
  name: v.optional(displayName, 'Player'),
  /** A claim to a place in a room that re-forms after a server restart (the client sends it itself). @default none (a new member) */
  restore: v.optional(RestoreSchema),
});
/** Options sent with a join: display name, and a restore claim when re-forming a room. */
export type JoinOptions = v.InferInput<typeof JoinOptionsSchema>;

/** Options sent with a create or a quick match: room settings and join options. */
export const CreateOptionsSchema = v.object({ ...RoomOptionsSchema.entries, ...JoinOptionsSchema.entries });

/** A WebRTC signal: an object with a `type`, plain data, small and shallow. */
export const SignalDataSchema = v.pipe(
  v.looseObject({ type: v.pipe(v.string(), v.maxLength(32)) }),
  v.check((data) => {
    const size = plainDataSize(data, 6);
    return size !== undefined && size <= LobbyLimits.signalMaxBytes;
  }, `signal data must be plain, at most 6 levels deep and ${LobbyLimits.signalMaxBytes} bytes`),
);
/** A WebRTC signal, as validated. */
export type SignalData = v.InferOutput<typeof SignalDataSchema>;

/** Payload schemas of every client message, by name. */
export const ClientMessageSchemas = {
  /** A link signal for another member of the room. */
  signal: v.object({ to: memberId, data: SignalDataSchema }),
  /** This member is ready, or no longer. */
  ready: v.object({ ready: v.boolean() }),
  /** A new display name. */
  profile: v.object({ name: displayName }),
  /** The host closes the room to new players, or opens it again. */
  lock: v.object({ locked: v.boolean() }),
  /** Ask for a fresh `welcome` (after a reconnection, once the client listens again). */
  sync: v.optional(v.object({})),
} as const;
/** The payload of each message a member sends, by message name, as validated. */
export type ClientMessagePayloads = { [K in keyof typeof ClientMessageSchemas]: v.InferOutput<(typeof ClientMessageSchemas)[K]> };

/** The listing filter (`filter` message and listing room join options). */
export const ListingFilterSchema = v.object({
  /** Only rooms of this game mode. @default any mode */
  mode: v.optional(mode),
});
/** Which public rooms a listing shows. */
export type ListingFilter = v.InferOutput<typeof ListingFilterSchema>;

/** The value, checked, or why it is not valid. */
export type ValidationResult<T> = { ok: true; value: T } | { ok: false; message: string };

/** Validate with one of the schemas above; the message names the first failing field. */
export function validate<S extends v.GenericSchema>(schema: S, input: unknown): ValidationResult<v.InferOutput<S>> {
  const result = v.safeParse(schema, input);
  if (result.success) return { ok: true, value: result.output };
  const issue = result.issues[0];
  const path = issue.path?.map((item) => String(item.key)).join('.');
  return { ok: false, message: path ? `${path}: ${issue.message}` : issue.message };
}
