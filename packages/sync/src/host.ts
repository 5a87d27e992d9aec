/**
 * The host loop: gathers each linked peer's inputs, steps the world at the tick rate, and sends
 * each peer its own delta snapshot against the baseline that peer acknowledged, at the snapshot
 * rate. Headless (a Node timer) or in a page (the host is a player too: `input()`).
 */
import { MalformedSyncMessageError, parseClientMessage, type HostMessage, type StateChannel } from './channel.js';
import { DEFAULT_MAX_REWIND_MS, LagCompensator, clampViewTime, type LagCompensationInit } from './lag-compensation.js';
import { InputQueue, type SequencedInput } from './prediction.js';
import { warnOncePerKind } from './report.js';
import type { EntityOf, FieldSpec, SnapshotSchema } from './schema.js';
import { SnapshotEncoder, dequantizeWorld, quantizeWorld } from './snapshot-codec.js';
import { Ticker } from './ticker.js';
import { checkRanges, COUNT, POSITIVE } from './ranges.js';

/** Options of a `SyncHost`. */
export interface SyncHostInit<F extends Record<string, FieldSpec>, I, W> {
  /** What snapshots carry (`defineSchema`); the clients use the same. */
  schema: SnapshotSchema<F>;
  /** Ticks of `step` a second (more than 0). @default 60 */
  tickRateHz?: number;
  /** Snapshots per second to each peer (more than 0; at most one a tick is sent). @default 30 */
  snapshotRateHz?: number;
  /** The game's world, as `step` gets it first. */
  world: W;
  /**
   * One tick: apply each player's inputs for this tick (in order) and advance the world. Must not
   * mutate `world`'s snapshot view. `seen` has, for each input, the host time whose world its
   * player was looking at when making it (clamped: see `lagCompensation`); `rewind(time)` gives
   * the entities then, to judge a hit or a pickup as that player saw it.
   */
  step: (world: W, inputs: ReadonlyMap<string, readonly I[]>, dtMs: number, tick: number, seen: ReadonlyMap<string, readonly number[]>) => W;
  /** The entities to send. */
  entities: (world: W) => ReadonlyMap<number, EntityOf<F>>;
  /** The clock, in ms (`performance.now`, or a test's). */
  now: () => number;
  /** Inputs applied per peer per tick at most (lets a peer catch up after jitter); a whole number, 1 or more. @default 2 */
  maxInputsPerTick?: number;
  /** Inputs kept per peer, by sequence number past the last one applied (a whole number, 1 or more); further ones are dropped and counted. @default 256 */
  inputWindow?: number;
  /**
   * Checks each input from a peer before it reaches `step` (peers are not trusted: a modified
   * client can send anything). Refused inputs are counted and skipped. @default every input passes
   */
  validateInput?: (input: unknown) => input is I;
  /** Called with bad messages from a peer (counted, then dropped). @default a console warning, once per kind a minute */
  onError?: (peerId: string, error: Error) => void;
  /**
   * Lag compensation: keep the worlds sent for about twice `maxRewindMs`, so that `rewind()`
   * answers where everything was when a player saw it. A view time further back than
   * `maxRewindMs` (250 by default) is clamped to it and counted (`stats.clampedViews`).
   * `interpolation` should be what the clients interpolate with. @default off (`seen` is still given, clamped to 250 ms)
   */
  lagCompensation?: LagCompensationInit<EntityOf<F>>;
}

/** A peer's input as queued: what it is, and the host time its player saw when making it (NaN: not said). */
interface Queued<I> {
  input: I | typeof REFUSED;
  seen: number;
}

interface Peer<F extends Record<string, FieldSpec>, I> {
  channel: StateChannel;
  inputs: InputQueue<Queued<I>>;
  encoder: SnapshotEncoder<F>;
  /** The newest client stamp seen, to echo for clock sync; undefined until one arrives. */
  lastClientTime: number | undefined;
  lastClientTimeAt: number;
  off: () => void;
}

/** What a host has done. */
export interface SyncHostStats {
  /** Ticks of `step` run. */
  ticks: number;
  /** Snapshots sent, all peers together. */
  snapshotsSent: number;
  /** Their bytes, all peers together. */
  snapshotBytes: number;
  /** Messages from peers that did not decode or made no sense (each also an `onError`). */
  badMessages: number;
  /** Inputs `validateInput` refused. */
  badInputs: number;
  /** Inputs dropped for a sequence number too far ahead (see `inputWindow`). */
  droppedInputs: number;
  /** Inputs whose view time was further back than `lagCompensation.maxRewindMs`, or ahead of the host: judged at the bound. */
  clampedViews: number;
}

const REFUSED = Symbol('refused input');

/** Id of the host's own inputs in `step`'s inputs map. */
export const HOST_PLAYER = 'host';

/** The host's side: steps the world at a fixed rate with every player's inputs, and sends each player snapshots. */
export class SyncHost<F extends Record<string, FieldSpec>, I, W> {
  readonly ticker: Ticker;
  readonly #peers = new Map<string, Peer<F, I>>();
  readonly #local: I[] = [];
  readonly #snapshotEveryMs: number;
  #nextSnapshotAt: number | undefined;
  #world: W;
  readonly #onError: (peerId: string, error: Error) => void;
  readonly #lag: LagCompensator<EntityOf<F>> | null;
  /** A tick, in ms: how far apart a client's inputs were made. */
  readonly #tickMs: number;
  readonly stats: SyncHostStats = { ticks: 0, snapshotsSent: 0, snapshotBytes: 0, badMessages: 0, badInputs: 0, droppedInputs: 0, clampedViews: 0 };

  constructor(private readonly init: SyncHostInit<F, I, W>) {
    checkRanges('SyncHost', [
      ['tickRateHz', init.tickRateHz, POSITIVE],
      ['snapshotRateHz', init.snapshotRateHz, POSITIVE],
      ['maxInputsPerTick', init.maxInputsPerTick, COUNT],
      ['inputWindow', init.inputWindow, COUNT],
    ]);
    this.#world = init.world;
    const warn = warnOncePerKind(init.now);
    this.#onError = init.onError ?? ((peerId, error) => warn(error, peerId));
    this.#snapshotEveryMs = 1000 / (init.snapshotRateHz ?? 30);
    this.#tickMs = 1000 / (init.tickRateHz ?? 60);
    this.#lag = init.lagCompensation === undefined ? null : new LagCompensator(this.#snapshotEveryMs, init.lagCompensation);
    this.ticker = new Ticker({ tickRateHz: init.tickRateHz ?? 60, onTick: (tick, dtMs) => this.#tick(tick, dtMs) });
  }

  /**
   * The entities as the clients were sent them at host time `hostTimeMs` (blended between the two
   * snapshots around it, as a client draws them): where everything was when a player saw it.
   * Needs `lagCompensation`. A time before the oldest kept gives the oldest.
   */
  rewind(hostTimeMs: number): Map<number, EntityOf<F>> {
    if (this.#lag === null) throw new Error('SyncHost.rewind needs the lagCompensation option');
    return this.#lag.at(hostTimeMs);
  }

  get world(): W {
    return this.#world;
  }

  /** Start syncing a peer over its state channel. Returns a function that stops it. */
  addPeer(peerId: string, channel: StateChannel): () => void {
    this.removePeer(peerId);
    const peer: Peer<F, I> = { channel, inputs: new InputQueue<Queued<I>>(this.init.inputWindow), encoder: new SnapshotEncoder(this.init.schema), lastClientTime: undefined, lastClientTimeAt: 0, off: () => undefined };
    peer.off = channel.onMessage((message) => {
      try {
        const [clientTime, acked, firstSeq, inputs, seenNewest] = parseClientMessage<I>(message);
        peer.encoder.ack(acked);
        // Any number is a fine stamp (a page's clock may read negative, or an hour ahead of ours).
        if (peer.lastClientTime === undefined || clientTime > peer.lastClientTime) {
          peer.lastClientTime = clientTime;
          peer.lastClientTimeAt = this.init.now();
        }
        // A refused input keeps its place in the sequence (as nothing), so later ones still apply.
        const valid = this.init.validateInput;
        let refused = 0;
        // The client says what it saw for its newest input; the ones before it were made a tick apart.
        const seenAt = (i: number) => (seenNewest === undefined ? Number.NaN : seenNewest - (inputs.length - 1 - i) * this.#tickMs);
        const checked = inputs.map((input, i): SequencedInput<Queued<I>> => {
          if (valid === undefined || valid(input)) return { seq: firstSeq + i, input: { input, seen: seenAt(i) } };
          refused++;
          return { seq: firstSeq + i, input: { input: REFUSED, seen: Number.NaN } };
        });
        if (refused > 0) {
          this.stats.badInputs += refused;
          this.#onError(peerId, new MalformedSyncMessageError(`${refused} inputs refused by validateInput`));
        }
        const dropped = peer.inputs.dropped;
        peer.inputs.receive(checked);
        if (peer.inputs.dropped > dropped) {
          this.stats.droppedInputs += peer.inputs.dropped - dropped;
          this.#onError(peerId, new MalformedSyncMessageError(`${peer.inputs.dropped - dropped} inputs too far ahead of the last applied (${peer.inputs.lastApplied})`));
        }
      } catch (error) {
        this.stats.badMessages++;
        this.#onError(peerId, error as Error);
      }
    });
    this.#peers.set(peerId, peer);
    return () => this.removePeer(peerId);
  }

  removePeer(peerId: string): void {
    this.#peers.get(peerId)?.off();
    this.#peers.delete(peerId);
  }

  /** The host player's own input for the next tick. */
  input(input: I): void {
    this.#local.push(input);
  }

  /** Run the ticks real time owes and send snapshots that are due. Call from a loop, or use a ticker driver. */
  update(): void {
    const now = this.init.now();
    this.ticker.advance(now);
    this.#nextSnapshotAt ??= now;
    if (now >= this.#nextSnapshotAt) {
      this.#nextSnapshotAt = Math.max(this.#nextSnapshotAt + this.#snapshotEveryMs, now - this.#snapshotEveryMs);
      this.sendSnapshots();
    }
  }

  /** Send every peer a snapshot of the world now. */
  sendSnapshots(): void {
    const now = this.init.now();
    const world = quantizeWorld(this.init.schema, this.init.entities(this.#world));
    // What the clients will draw: the world as they decode it, at the time it is stamped with.
    this.#lag?.record(now, dequantizeWorld(this.init.schema, world));
    for (const [peerId, peer] of this.#peers) {
      const { bytes } = peer.encoder.encode(world);
      // held -1: no stamp of the client's to echo yet.
      const message: HostMessage =
        peer.lastClientTime === undefined ? [now, 0, -1, peer.inputs.lastApplied, bytes] : [now, peer.lastClientTime, now - peer.lastClientTimeAt, peer.inputs.lastApplied, bytes];
      // One peer's channel refusing (a snapshot too large for it, say) costs the others nothing.
      try {
        peer.channel.send(message);
      } catch (error) {
        this.#onError(peerId, error instanceof Error ? error : new Error(String(error)));
        continue;
      }
      this.stats.snapshotsSent++;
      this.stats.snapshotBytes += bytes.byteLength;
    }
  }

  #tick(tick: number, dtMs: number): void {
    const now = this.init.now();
    const inputs = new Map<string, I[]>();
    const seen = new Map<string, number[]>();
    // The host player sees the world as it is.
    inputs.set(HOST_PLAYER, this.#local.splice(0));
    seen.set(HOST_PLAYER, inputs.get(HOST_PLAYER)!.map(() => now));
    const max = this.init.maxInputsPerTick ?? 2;
    for (const [peerId, peer] of this.#peers) {
      const applied: I[] = [];
      const views: number[] = [];
      // A gap means every message carrying those inputs was lost: skip it once others queue up.
      while (applied.length < max) {
        const next = peer.inputs.next(applied.length === 0 && peer.inputs.waiting > max);
        if (next === undefined) break;
        if (next.input.input === REFUSED) continue;
        applied.push(next.input.input);
        views.push(this.#viewTime(next.input.seen, now));
      }
      inputs.set(peerId, applied);
      seen.set(peerId, views);
    }
    this.#world = this.init.step(this.#world, inputs, dtMs, tick, seen);
    this.stats.ticks++;
  }

  /** A view time as the host takes it: within the rewind cap, with or without lag compensation (none said: now). */
  #viewTime(claimed: number, now: number): number {
    if (Number.isNaN(claimed)) return now;
    const view = clampViewTime(claimed, now, this.#lag?.maxRewindMs ?? DEFAULT_MAX_REWIND_MS);
    if (view.clamped) this.stats.clampedViews++;
    return view.hostTimeMs;
  }
}
