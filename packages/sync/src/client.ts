/**
 * The client side of a host-authoritative game: sends its inputs (redundantly, with the newest
 * snapshot id it has as the ack and its clock for sync), predicts its own player, and renders
 * everyone else interpolated in the host's past.
 */
import { parseHostMessage, type ClientMessage, type StateChannel } from './channel.js';
import { ClockSync, type ClockSyncInit } from './clock.js';
import { SnapshotInterpolator, type InterpolatorInit } from './interpolation.js';
import { Predictor, type PredictorInit } from './prediction.js';
import { warnOncePerKind } from './report.js';
import type { EntityOf, FieldSpec, SnapshotSchema } from './schema.js';
import { SnapshotDecoder } from './snapshot-codec.js';

/** Options of a `SyncClient`. */
export interface SyncClientInit<F extends Record<string, FieldSpec>, I, S> {
  /** What snapshots carry: the host's schema. */
  schema: SnapshotSchema<F>;
  /** The link to the host (`stateChannel(link)`). */
  channel: StateChannel;
  /** The clock, in ms (`performance.now`, or a test's). */
  now: () => number;
  /** Prediction of this player; omit for a spectator. @default none (a spectator) */
  prediction?: PredictorInit<S, I> & {
    /** This player's entity id in snapshots. */
    entityId: number;
    /** The authoritative player state from its entity. */
    fromEntity: (entity: EntityOf<F>) => S;
  };
  /** How the other entities are interpolated. @default see `InterpolatorInit` */
  interpolation?: InterpolatorInit<EntityOf<F>>;
  /** How the host's clock is followed. @default see `ClockSyncInit` */
  clock?: ClockSyncInit;
  /** Bad or undecodable messages from the host (counted, then dropped). @default a console warning, once per kind a minute */
  onError?: (error: Error) => void;
}

/** What a client has received. */
export interface SyncClientStats {
  /** Snapshots received and applied. */
  snapshots: number;
  /** Messages from the host that did not decode or made no sense (each also an `onError`). */
  badMessages: number;
}

/** A player's side: sends its inputs, predicts its own entity, interpolates the others from the host's snapshots. */
export class SyncClient<F extends Record<string, FieldSpec>, I, S = EntityOf<F>> {
  readonly clock: ClockSync;
  readonly interpolator: SnapshotInterpolator<EntityOf<F>>;
  readonly predictor: Predictor<S, I> | undefined;
  readonly #decoder: SnapshotDecoder<F>;
  readonly #off: () => void;
  readonly #onError: (error: Error) => void;
  #lastFrameAt: number | undefined;
  #newestHostTime = -Infinity;
  #newestEntities = new Map<number, EntityOf<F>>();
  /** The host time drawn in the last frame: what the player is looking at. */
  #drawnHostTime: number | undefined;
  /** What the player was looking at when making the newest input (sent for lag compensation). */
  #seenAtInput: number | undefined;
  readonly stats: SyncClientStats = { snapshots: 0, badMessages: 0 };

  constructor(private readonly init: SyncClientInit<F, I, S>) {
    this.#onError = init.onError ?? warnOncePerKind(init.now);
    this.clock = new ClockSync(init.clock);
    this.interpolator = new SnapshotInterpolator(init.interpolation);
    this.predictor = init.prediction === undefined ? undefined : new Predictor(init.prediction);
    this.#decoder = new SnapshotDecoder(init.schema);
    this.#off = init.channel.onMessage((message) => this.#receive(message));
  }

  /** Estimated host clock now. */
  hostNow(): number {
    return this.clock.hostNow(this.init.now());
  }

  /**
   * This tick's input: applied to the prediction at once and sent with the unacknowledged ones
   * before it, with the host time the player is looking at (the last `frame()`'s, or, before any
   * frame, the host's now less the interpolation delay) for the host's lag compensation.
   */
  input(input: I): void {
    this.predictor?.apply(input);
    this.#seenAtInput = this.#drawnHostTime ?? (this.clock.synced ? this.hostNow() - this.interpolator.delayMs : undefined);
    this.flush();
  }

  /** Send acks, clock stamp and pending inputs now (also without a new input). */
  flush(): void {
    const pending = this.predictor?.unacknowledged() ?? [];
    const message: ClientMessage<I> = [this.init.now(), this.#decoder.newestId, pending[0]?.seq ?? 0, pending.map((p) => p.input)];
    if (this.#seenAtInput !== undefined && pending.length > 0) message.push(this.#seenAtInput);
    this.init.channel.send(message);
  }

  /** What to draw this frame: other entities interpolated (the own entity excluded when predicted), and the own player. */
  frame(): { entities: Map<number, EntityOf<F>>; me: S | undefined; renderHostTimeMs: number } {
    const now = this.init.now();
    const elapsed = this.#lastFrameAt === undefined ? 0 : now - this.#lastFrameAt;
    this.#lastFrameAt = now;
    const renderHostTimeMs = this.interpolator.renderTimeFor(this.clock.hostNow(now));
    if (this.clock.synced) this.#drawnHostTime = renderHostTimeMs;
    const entities = this.interpolator.sample(renderHostTimeMs);
    if (this.init.prediction !== undefined) entities.delete(this.init.prediction.entityId);
    return { entities, me: this.predictor?.visual(elapsed), renderHostTimeMs };
  }

  /** The newest snapshot's entities as they are (what a naive client would draw). */
  get newest(): ReadonlyMap<number, EntityOf<F>> {
    return this.#newestEntities;
  }

  /** The host time of the newest snapshot (-Infinity before the first). */
  get newestHostTimeMs(): number {
    return this.#newestHostTime;
  }

  close(): void {
    this.#off();
  }

  #receive(message: unknown): void {
    const now = this.init.now();
    try {
      const [hostTime, echo, held, lastApplied, bytes] = parseHostMessage(message);
      // held < 0: the host has no stamp of ours to echo yet.
      if (held >= 0) {
        const steps = this.clock.steps;
        this.clock.addSample(echo, hostTime, held, now);
        if (this.clock.steps !== steps) this.interpolator.resetLag();
      }
      const { world } = this.#decoder.decode(bytes);
      const entities = this.#decoder.entities(world);
      this.stats.snapshots++;
      this.interpolator.push(hostTime, entities, this.clock.synced ? this.clock.hostNow(now) : undefined);
      if (hostTime > this.#newestHostTime) {
        this.#newestHostTime = hostTime;
        this.#newestEntities = entities;
        const prediction = this.init.prediction;
        const own = prediction === undefined ? undefined : entities.get(prediction.entityId);
        if (prediction !== undefined && own !== undefined) this.predictor?.reconcile(prediction.fromEntity(own), lastApplied);
      }
    } catch (error) {
      this.stats.badMessages++;
      this.#onError(error as Error);
    }
  }
}
