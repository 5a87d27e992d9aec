// What the host and its players agree on: the snapshot schema, the input, the movement rule,
// and the one event that tells a player which entity is theirs.
import { defineSchema, type EntityOf } from '@rallypoint/sync';

/** Positions to 1/100 of a pixel: what every snapshot carries of each entity. */
export const schema = defineSchema({ x: { type: 'fixed', precision: 0.01 }, y: { type: 'fixed', precision: 0.01 } });
export type Avatar = EntityOf<typeof schema.fields>;

/** A player's intent for one tick: each axis in [-1, 1]. */
export interface Input {
  dx: number;
  dy: number;
}

export const TICK_RATE_HZ = 60;
/** The fixed tick, in ms: `dtMs` below is always this (one tick of the host's simulation). */
export const TICK_MS = 1000 / TICK_RATE_HZ;
const SPEED_PX_PER_MS = 0.2;

/** The one movement rule: the host runs it for everyone, each player again for its own avatar (prediction). */
export function move(avatar: Avatar, input: Input, dtMs: number): Avatar {
  return { x: avatar.x + input.dx * SPEED_PX_PER_MS * dtMs, y: avatar.y + input.dy * SPEED_PX_PER_MS * dtMs };
}

export const spawn = (entityId: number): Avatar => ({ x: 40 * entityId, y: 100 });

/** The link types: the events lane carries `welcome` (your entity id); the state lane carries sync's own messages. */
export type Game = { events: { welcome: { entityId: number } }; state: unknown };
