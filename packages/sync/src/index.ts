/**
 * @rallypoint/sync — netcode for host-authoritative browser games over an unreliable lane:
 * fixed-step ticker, clock sync, snapshot interpolation, prediction and reconciliation, and
 * quantized delta snapshots. Pure TypeScript: no DOM, no Node; time is injected.
 *
 * @example
 * import { SyncClient, SyncHost, defineSchema, stateChannel } from '@rallypoint/sync';
 *
 * const schema = defineSchema({ x: { type: 'fixed', precision: 0.01 }, y: { type: 'fixed', precision: 0.01 } });
 * type Input = { dx: number; dy: number };
 * const move = (p: { x: number; y: number }, i: Input, dt: number) => ({ x: p.x + i.dx * dt * 0.2, y: p.y + i.dy * dt * 0.2 });
 *
 * // Host: one SyncHost, a peer per link; entity ids are the game's.
 * const host = new SyncHost({ schema, world: new Map([[1, { x: 0, y: 0 }], [2, { x: 0, y: 0 }]]), now: () => performance.now(),
 *   step: (world, inputs, dt) => { for (const i of inputs.get('bob') ?? []) world.set(2, move(world.get(2)!, i, dt)); return world; },
 *   entities: (world) => world });
 * host.addPeer('bob', stateChannel(linkToBob));
 * setInterval(() => host.update(), 5);
 *
 * // Client (Bob): predict entity 2, interpolate the rest.
 * const client = new SyncClient({ schema, channel: stateChannel(linkToHost), now: () => performance.now(),
 *   prediction: { entityId: 2, initial: { x: 0, y: 0 }, step: move, dtMs: 1000 / 60, smooth: ['x', 'y'], fromEntity: (e) => e } });
 * everyTick(() => client.input(readKeys()));
 * everyFrame(() => draw(client.frame()));
 */
export { Ticker, defaultFrameSource, runTicker } from './ticker.js';
export { ClockSync } from './clock.js';
export { SnapshotInterpolator, lerpAngle } from './interpolation.js';
export { InputQueue, Predictor } from './prediction.js';
export { SchemaError, defineSchema } from './schema.js';
export { MalformedSnapshotError, MissingBaselineError, SnapshotDecoder, SnapshotEncoder, dequantizeWorld, quantizeWorld } from './snapshot-codec.js';
export { BitReader, BitWriter, TruncatedSnapshotError } from './bits.js';
export { MAX_INPUTS_PER_MESSAGE, MalformedSyncMessageError, parseClientMessage, parseHostMessage, stateChannel } from './channel.js';
export { HOST_PLAYER, SyncHost } from './host.js';
export { DEFAULT_MAX_REWIND_MS, LagCompensator, clampViewTime } from './lag-compensation.js';
export { SyncClient } from './client.js';

export type { FrameSource, TickerAdvance, TickerInit } from './ticker.js';
export type { ClockSample, ClockSyncInit } from './clock.js';
export type { FieldInterpolator, InterpolatorInit } from './interpolation.js';
export type { PredictorInit, SequencedInput } from './prediction.js';
export type { EntityOf, FieldSpec, QuantizedEntity, SnapshotSchema } from './schema.js';
export type { CodecOptions, EncodedSnapshot, QuantizedWorld } from './snapshot-codec.js';
export type { ClientMessage, HostMessage, StateChannel } from './channel.js';
export type { SyncHostInit, SyncHostStats } from './host.js';
export type { LagCompensationInit, ViewTime } from './lag-compensation.js';
export type { SyncClientInit, SyncClientStats } from './client.js';
