/**
 * The link's two lanes, made from its settings and wired to whichever path carries them: each
 * path's messages come in here, are guarded (nothing the peer sends can throw out of a channel
 * handler) and go to their lane; a path's drain refills the lanes.
 */
import { MalformedMessageError } from '../errors.js';
import { LinkConditioner } from '../lanes/conditioner.js';
import { EventsLane, type EventsLaneDeps } from '../lanes/events-lane.js';
import { StateLane } from '../lanes/state-lane.js';
import { RateMeter } from '../lanes/totals.js';
import type { DirectPath, Lane, LaneChannel, Path } from '../paths/types.js';
import type { EventsOf, LinkInit, RequestsOf, StateOf, LinkTypes } from '../types.js';
import type { FrameDecoder, FrameEncoder } from '../wire/codec.js';

const KiB = 1024;
const MiB = 1024 * KiB;

/** What the lanes ask of the link: the handshake's frames, and the link's state. */
export type LaneHooks = Pick<EventsLaneDeps, 'onHello' | 'helloReceived' | 'onBadHello' | 'onBye' | 'onResume' | 'isOpen' | 'isClosed' | 'maxMessageSize' | 'report' | 'onActivity' | 'warn'>;

export interface LinkLanesInit {
  init: LinkInit;
  encoder: FrameEncoder;
  conditioner: LinkConditioner;
  now: () => number;
  epochMs: number;
  hooks: LaneHooks;
  /** A lane's channel drained (after the lanes refilled it). */
  drained(lane: Lane): void;
}

export class LinkLanes<T extends LinkTypes> {
  readonly events: EventsLane<EventsOf<T>, RequestsOf<T>>;
  readonly state: StateLane<StateOf<T>>;
  readonly rates: { state: RateMeter; events: RateMeter };
  /** Refill each lane when its channel drains to a quarter of the high-water mark. */
  readonly lowWaterMarks: { state: number; events: number };

  constructor(private readonly lanesInit: LinkLanesInit) {
    const { init, encoder, conditioner, hooks, now, epochMs } = lanesInit;
    const eventsHighWater = init.eventsHighWaterMarkBytes ?? 1 * MiB;
    const stateHighWater = init.stateHighWaterMarkBytes ?? 64 * KiB;
    this.lowWaterMarks = { state: Math.floor(stateHighWater / 4), events: Math.floor(eventsHighWater / 4) };
    const maxEventBytes = init.maxEventBytes ?? 16 * MiB;
    this.events = new EventsLane({
      ...hooks,
      encoder,
      conditioner,
      highWaterMarkBytes: eventsHighWater,
      maxInFlightBytes: Math.max(2 * eventsHighWater, 2 * MiB),
      maxEventBytes,
      maxQueuedBytes: init.maxQueuedBytes ?? 2 * maxEventBytes,
      maxPendingRequests: init.maxPendingRequests ?? 256,
      requestTimeoutMs: init.requestTimeoutMs ?? 10_000,
    });
    this.state = new StateLane({
      encoder,
      conditioner,
      now,
      epochMs,
      isOpen: hooks.isOpen,
      maxMessageSize: hooks.maxMessageSize,
      report: hooks.report,
      onActivity: hooks.onActivity,
      warn: hooks.warn,
      highWaterMarkBytes: stateHighWater,
      backlogBytes: () => this.state.bufferedAmount + this.events.bufferedAmount,
    });
    this.rates = {
      state: new RateMeter(epochMs, () => ({ totals: this.state.totals, lost: this.state.window.lost, received: this.state.window.received })),
      events: new RateMeter(epochMs, () => ({ totals: this.events.totals, lost: 0, received: 0 })),
    };
  }

  /** Send on `path` from now on. */
  attach(path: Path): void {
    this.events.attach(path.events!);
    this.state.attach(path.state!);
    if (path.kind === 'p2p') (path as DirectPath).useLinkLowWaterMark();
  }

  /** Ask the peer to send the events lane again on `channel`, from the first frame not here. */
  resumeOn(channel: LaneChannel): void {
    this.events.moveTo(channel);
  }

  flush(): void {
    this.events.flush();
    this.state.flush();
  }

  /** A heartbeat: rates, a ping (RTT), acknowledgements and resends. */
  beat(now: number): void {
    this.rates.state.sample(now);
    this.rates.events.sample(now);
    this.state.ping();
    this.events.tick();
  }

  receiveEvents(data: Uint8Array | string, channel: LaneChannel, decoder: FrameDecoder): void {
    this.#guard(this.events, 'events', () => {
      if (typeof data === 'string') this.events.receiveText(); // the link never sends text
      else this.events.receive(data, decoder, channel);
    });
  }

  receiveState(data: unknown): void {
    this.#guard(this.state, 'state', () => {
      if (data instanceof ArrayBuffer) this.state.receive(new Uint8Array(data));
      else if (data instanceof Uint8Array) this.state.receive(data);
      else this.state.receiveText(); // the link never sends text
    });
  }

  drain(lane: Lane): void {
    if (lane === 'events') this.events.flush();
    else this.state.flush();
    this.lanesInit.drained(lane);
  }

  /**
   * Runs a channel's message handler so that nothing the peer sends can throw out of it (into
   * the channel's event dispatch, or the event loop as an uncaught exception): what the lane did not
   * handle itself is counted as bad input and reported.
   */
  #guard(lane: { bad(error: Error): void }, name: Lane, receive: () => void): void {
    if (this.lanesInit.hooks.isClosed()) return;
    try {
      receive();
    } catch (cause) {
      lane.bad(new MalformedMessageError(name, { cause }));
    }
  }
}
