import { consoleLogger, createLink as createBrowserLink, globalRtc, linkInitProblem, outOfRange, type Link, type LinkInit, type LinkTypes, type Logger, type NumberRange } from '@rallypoint/core';
import {
  CreateOptionsSchema,
  JoinOptionsSchema,
  ListingFilterSchema,
  RoomName,
  normalizeRoomCode,
  validate,
  type JoinOptions,
  LobbyCloseCode,
  LobbyErrorCode,
  type ListingFilter,
  type RoomOptions,
  type RoomStatus,
} from '@rallypoint/protocol';
import { Client, type Room as ColyseusRoom } from 'colyseus.js';
import { InvalidOptionsError, LobbyUnavailableError, OriginRefusedError, RoomClosedError, RoomFullError, RoomNotFoundError, WebRtcUnavailableError, describeCause, errorFromCode, tooManyRequests, HTTP_FORBIDDEN, HTTP_TOO_MANY_REQUESTS, HTTP_UNAVAILABLE, type LobbyError } from './errors.js';
import { RoomList } from './listing.js';
import { DEFAULT_LINK_RETRY, type LinkRetryPolicy } from './peer-links.js';
import { serverErrorCode, type Connector } from './reconnect.js';
import { RoomSession } from './session.js';
import type { LobbyRelayMode } from './session-types.js';
import type { VoiceInit } from './voice-types.js';

/** Options of `createLobby`. Only `url` is required. */
export interface LobbyInit<T extends LinkTypes = LinkTypes> {
  /** The lobby server: `http(s)://host:port` (or `ws(s)://`). */
  url: string;
  /** Options for every link (structures, heartbeats, conditions...). Initiator and ICE servers come from the room. @default {} */
  link?: Partial<Omit<LinkInit, 'initiator' | 'iceServers'>>;
  /**
   * `'relay'` makes every link go through TURN (the room's ICE servers must include one): for
   * players who must not show their address to the others, or to test TURN. Overrides
   * `link.iceTransportPolicy`. @default 'all'
   */
  iceTransportPolicy?: RTCIceTransportPolicy;
  /**
   * When the room has a TURN server and a link is not open this long, it starts over through
   * TURN only (both sides), which connects where ICE with every candidate type did not converge
   * (seen between symmetric NATs). In ms, 0 or more; 0 turns it off. @default 4000
   */
  turnFallbackMs?: number;
  /**
   * The lobby server's relay (the server must relay: see its `--relay-bytes-per-second`).
   * `'auto'`: a link opens on the relay at once and moves to its direct connection once that one
   * is confirmed and faster (`link.relayFirst`; with `link: { relayFirst: false }`, or a server
   * started with `--relay-first false`, only a link not open after `link.relayAfterMs`, 5 s,
   * starts there); a link whose connection dies mid-game travels through the lobby until a new
   * one is confirmed. `'off'`: never. `'always'`: only ever through the lobby.
   * @default 'auto'
   */
  relay?: LobbyRelayMode;
  /** Voice chat parts and tuning (`session.voice`). @default the browser's microphone and an `<audio>` element per voice */
  voice?: VoiceInit;
  /** How links are made. @default @rallypoint/core's createLink (the browser's WebRTC); the Node entry point injects node-datachannel */
  createLink?: (init: LinkInit) => Link<T>;
  /** Origin for invite links. @default the lobby URL's origin (the server serves the game) */
  origin?: string;
  /**
   * In a browser, leave the room when the page goes away (`pagehide`: the tab closed, the page
   * navigated, a phone dropped it): the links' goodbyes and the lobby's leave go out while the
   * page can still send, so the others see `memberLeft` (reason `left`) at once instead of the
   * lobby keeping the seat for a reconnection. A page restored from the back/forward cache then
   * finds its session closed and joins again. @default true
   */
  leaveOnPageHide?: boolean;
  /** Where the lobby and its links write; an `error` nobody listens for is written here too. @default warnings to the console */
  logger?: Logger;
  /**
   * How long create / join / quickMatch / list may take, from the first request to the welcome
   * (or the first list), in ms (more than 0); after that they reject with `LobbyUnavailableError`. @default 15000
   */
  joinTimeoutMs?: number;
  /** How a failed link to a member is tried again. @default { baseDelayMs: 500, maxDelayMs: 8000, maxAttempts: 6 } */
  linkRetry?: Partial<LinkRetryPolicy>;
  /** Random numbers in [0, 1), for the retry jitter. @default Math.random */
  random?: () => number;
}

/** Options for create / quick match: the room's settings and my display name. */
export type CreateRoomOptions = RoomOptions & Pick<JoinOptions, 'name'>;

/** A client of one lobby server (from `createLobby`): rooms to create, join, match and list. */
export interface Lobby<T extends LinkTypes = LinkTypes> {
  /** Make a room and join it as its host. */
  create(options?: CreateRoomOptions): Promise<RoomSession<T>>;
  /** Join by code (case-insensitive, dashes and spaces ignored). Throws RoomNotFoundError, RoomFullError or RoomClosedError. */
  join(code: string, options?: Pick<JoinOptions, 'name'>): Promise<RoomSession<T>>;
  /** Join the fullest open public room of the mode, or create one. */
  quickMatch(options?: Omit<CreateRoomOptions, 'private'>): Promise<RoomSession<T>>;
  /** The live list of public rooms, optionally of one mode. Close it when done. */
  list(filter?: ListingFilter): Promise<RoomList>;
}

/** A client of the rallypoint lobby server. */
/** The server's http(s) origin from the URL a game gave: `http(s)://` or `ws(s)://`, nothing else. */
function lobbyOrigin(url: unknown): string {
  if (typeof url !== 'string' || !/^(https?|wss?):\/\//i.test(url)) {
    throw new InvalidOptionsError(`url must start with http://, https://, ws:// or wss:// (got ${JSON.stringify(String(url)).slice(0, 80)})`);
  }
  try {
    return new URL(url.replace(/^ws(s?):/i, 'http$1:')).origin;
  } catch (cause) {
    throw new InvalidOptionsError(`url is not a URL: ${url.slice(0, 80)}`, undefined, { cause });
  }
}

/**
 * Joins a Colyseus room and waits until what wraps it is ready, all within `timeoutMs`: whatever
 * happens on the way (a connection dropped before the join or the welcome, a server that never
 * answers), this settles, with a named error. A room that arrives after the deadline is left.
 */
function settleWithin<W extends { ready(): Promise<W> }>(
  timeoutMs: number,
  origin: string,
  join: () => Promise<ColyseusRoom>,
  fail: (error: unknown) => Promise<LobbyError>,
  wrap: (room: ColyseusRoom) => W,
  abandon: (wrapped: W) => Promise<void>,
): Promise<W> {
  return new Promise((resolve, reject) => {
    let settled = false;
    let wrapped: W | undefined;
    const settle = (done: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      done();
    };
    const timer = setTimeout(() => {
      settle(() => reject(new LobbyUnavailableError(`lobby server ${origin} did not let us in within ${timeoutMs} ms`)));
      if (wrapped !== undefined) void abandon(wrapped);
    }, timeoutMs);
    join().then(
      (room) => {
        if (settled) return void room.leave(true).catch(() => undefined); // too late: nobody waits for it
        wrapped = wrap(room);
        wrapped.ready().then(
          (ready) => settle(() => resolve(ready)),
          (error: unknown) => settle(() => reject(error)),
        );
      },
      (error: unknown) => {
        fail(error).then(
          (named) => settle(() => reject(named)),
          (other: unknown) => settle(() => reject(other)),
        );
      },
    );
  });
}

const MS_AT_LEAST_0: NumberRange = { min: 0, unit: 'milliseconds' };
const MS_ABOVE_0: NumberRange = { min: 0, above: true, unit: 'milliseconds' };

/** The numeric options, each in the range its doc gives, or an `InvalidOptionsError` naming it. */
function checkNumbers(init: Pick<LobbyInit, 'turnFallbackMs' | 'joinTimeoutMs' | 'linkRetry' | 'voice' | 'link'>): void {
  const { linkRetry = {}, voice = {}, link = {} } = init;
  // The links' own, now: a link made later, from a message handler, would throw where no one catches.
  const linkProblem = linkInitProblem(link);
  if (linkProblem !== undefined) throw new InvalidOptionsError(`link.${linkProblem}`);
  const checks: [string, unknown, NumberRange][] = [
    ['turnFallbackMs', init.turnFallbackMs, MS_AT_LEAST_0],
    ['joinTimeoutMs', init.joinTimeoutMs, MS_ABOVE_0],
    ['linkRetry.baseDelayMs', linkRetry.baseDelayMs, MS_AT_LEAST_0],
    ['linkRetry.maxDelayMs', linkRetry.maxDelayMs, MS_AT_LEAST_0],
    ['linkRetry.maxAttempts', linkRetry.maxAttempts, { min: 1, whole: true, unit: 'attempts' }],
    ['voice.levelIntervalMs', voice.levelIntervalMs, MS_ABOVE_0],
    ['voice.speakingLevel', voice.speakingLevel, { min: 0, max: 1, unit: 'an RMS level' }],
    ['voice.speakingHoldMs', voice.speakingHoldMs, MS_AT_LEAST_0],
  ];
  for (const [name, value, range] of checks) {
    const problem = outOfRange(name, value, range);
    if (problem !== undefined) throw new InvalidOptionsError(problem);
  }
}

/**
 * A client of the rallypoint lobby server. Throws `InvalidOptionsError` for a URL that is not
 * `http(s)://` or `ws(s)://`, and `WebRtcUnavailableError` where there is no WebRTC to make links
 * with (in Node: import `@rallypoint/lobby/node`).
 */
export function createLobby<T extends LinkTypes = LinkTypes>(init: LobbyInit<T>): Lobby<T> {
  const httpOrigin = lobbyOrigin(init.url);
  if (init.createLink === undefined && globalRtc() === undefined) throw new WebRtcUnavailableError();
  const client = new Client(httpOrigin);
  const logger = init.logger ?? consoleLogger;
  const makeLink = init.createLink ?? ((linkInit: LinkInit) => createBrowserLink<T>(linkInit));
  const connector: Connector = {
    reconnect: (token) => client.reconnect(token),
    create: (options) => client.create(RoomName.Game, options),
    joinById: (code, options) => client.joinById(code, options),
  };

  if (init.iceTransportPolicy !== undefined && init.iceTransportPolicy !== 'all' && init.iceTransportPolicy !== 'relay') {
    throw new InvalidOptionsError(`iceTransportPolicy must be 'all' or 'relay' (got ${JSON.stringify(String(init.iceTransportPolicy)).slice(0, 40)})`);
  }
  const linkInit = init.iceTransportPolicy === undefined ? (init.link ?? {}) : { ...init.link, iceTransportPolicy: init.iceTransportPolicy };
  checkNumbers(init);
  const turnFallbackMs = init.turnFallbackMs ?? 4000;
  const relay = init.relay ?? 'auto';
  if (relay !== 'auto' && relay !== 'off' && relay !== 'always') throw new InvalidOptionsError(`relay must be 'auto', 'off' or 'always' (got ${JSON.stringify(String(relay)).slice(0, 40)})`);
  const joinTimeoutMs = init.joinTimeoutMs ?? 15_000;
  const linkRetry: LinkRetryPolicy = { ...DEFAULT_LINK_RETRY, ...init.linkRetry };
  const random = init.random ?? Math.random;
  const open = (join: () => Promise<ColyseusRoom>, name: string, fail: (error: unknown) => Promise<LobbyError>) =>
    settleWithin(
      joinTimeoutMs,
      httpOrigin,
      join,
      fail,
      (room) => new RoomSession<T>(room, { connector, createLink: makeLink, linkInit, logger, origin: init.origin ?? httpOrigin, displayName: name, linkRetry, random, turnFallbackMs, relay, voice: init.voice ?? {}, leaveOnPageHide: init.leaveOnPageHide ?? true }),
      (session) => session.leave(),
    );

  const failure = async (error: unknown, roomCode?: string): Promise<LobbyError> => {
    const code = serverErrorCode(error);
    if (code === undefined) return new LobbyUnavailableError(`lobby server ${httpOrigin} not reachable: ${describeCause(error)}`, undefined, { cause: error });
    if (code === HTTP_TOO_MANY_REQUESTS) return tooManyRequests(describeCause(error), { cause: error });
    if (code === HTTP_FORBIDDEN) return new OriginRefusedError(`lobby server ${httpOrigin}: ${describeCause(error)}`, { cause: error });
    if (code === HTTP_UNAVAILABLE) return new LobbyUnavailableError(`lobby server ${httpOrigin}: ${describeCause(error)}`, LobbyErrorCode.LobbyUnavailable, { cause: error });
    if (code < 128 || code === LobbyCloseCode.TooManyConnections || roomCode === undefined) return errorFromCode(code, describeCause(error), roomCode);
    // Colyseus says "not found" for a full or locked room too: ask the server which it is.
    const status = await fetch(`${httpOrigin}/rooms/${roomCode}`)
      .then(async (response): Promise<RoomStatus['status'] | 'unavailable' | 'unknown'> => {
        if (response.ok) return ((await response.json()) as RoomStatus).status;
        return response.status === HTTP_UNAVAILABLE ? 'unavailable' : 'unknown';
      })
      .catch(() => 'not-found' as const);
    if (status === 'unavailable' || status === 'unknown') {
      return new LobbyUnavailableError(`lobby server ${httpOrigin} could not look room ${roomCode} up: ${describeCause(error)}`, status === 'unavailable' ? LobbyErrorCode.LobbyUnavailable : undefined, { cause: error });
    }
    if (status === 'full') return new RoomFullError(roomCode, { cause: error });
    if (status === 'closed' || status === 'open') return new RoomClosedError(roomCode, { cause: error });
    return new RoomNotFoundError(roomCode, { cause: error });
  };

  const checked = <S extends Parameters<typeof validate>[0]>(schema: S, options: unknown) => {
    const result = validate(schema, options);
    if (!result.ok) throw new InvalidOptionsError(result.message);
    return result.value as Record<string, unknown> & { name: string };
  };

  return {
    async create(options = {}) {
      const checkedOptions = checked(CreateOptionsSchema, options);
      return open(() => client.create(RoomName.Game, checkedOptions), checkedOptions.name, (error) => failure(error));
    },
    async join(code, options = {}) {
      const roomCode = normalizeRoomCode(code);
      if (roomCode === undefined) throw new RoomNotFoundError(JSON.stringify(code));
      const checkedOptions = checked(JoinOptionsSchema, options);
      return open(() => client.joinById(roomCode, checkedOptions), checkedOptions.name, (error) => failure(error, roomCode));
    },
    async quickMatch(options = {}) {
      const checkedOptions = checked(CreateOptionsSchema, { ...options, private: false });
      return open(() => client.joinOrCreate(RoomName.Game, checkedOptions), checkedOptions.name, (error) => failure(error));
    },
    async list(filter = {}) {
      const checkedFilter = checked(ListingFilterSchema, filter);
      return settleWithin(joinTimeoutMs, httpOrigin, () => client.joinOrCreate(RoomName.Listing, checkedFilter), (error) => failure(error), (room) => new RoomList(room, logger), (list) => list.close());
    },
  };
}
