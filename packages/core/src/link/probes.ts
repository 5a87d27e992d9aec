/**
 * Path probes: the round trip of one path, measured end to end on that path. A probe goes out on
 * a path's state channel and the peer's link answers on the same path's state channel (a heartbeat
 * ping is answered on whichever path carries the peer's lanes, so it cannot say whether a path the
 * lanes are not on works). An answered probe is the proof that a path reaches the peer's link, and
 * its round trip is what the link compares paths by (see upgrade.ts).
 *
 * A probe is seven bytes of msgpack, `[19, sentAtUs]` or `[20, sentAtUs]` (the answer echoes the
 * sender's own clock, so the sender keeps nothing per probe): a fixarray of two, the kind, and a
 * u32. No lane sends these kinds (frames.ts), so the first two bytes tell a probe
 * from a lane frame without decoding it.
 */
import type { Path } from '../paths/types.js';
import { FrameKind, wrapU32 } from '../wire/frames.js';

const PROBE = FrameKind.Probe;
const ANSWER = FrameKind.ProbeAnswer;
const PROBE_BYTES = 7;
/** Round trips kept per path: the estimate is their median (one slow sample does not decide). */
const SAMPLES_KEPT = 5;

/** A probe frame, or null if `data` is something else (a lane frame). */
function readProbe(data: unknown): { answer: boolean; sentAtUs: number } | null {
  if (!(data instanceof Uint8Array) || data.byteLength !== PROBE_BYTES || data[0] !== 0x92 || data[2] !== 0xce) return null;
  if (data[1] !== PROBE && data[1] !== ANSWER) return null;
  const sentAtUs = new DataView(data.buffer, data.byteOffset, PROBE_BYTES).getUint32(3);
  return { answer: data[1] === ANSWER, sentAtUs };
}

function probeFrame(kind: number, sentAtUs: number): Uint8Array<ArrayBuffer> {
  const frame = new Uint8Array(PROBE_BYTES);
  frame[0] = 0x92;
  frame[1] = kind;
  frame[2] = 0xce;
  new DataView(frame.buffer).setUint32(3, sentAtUs);
  return frame;
}

interface PathSamples {
  rttsMs: number[];
  /** When the first answer came (ms): how long the path has been confirmed. */
  firstAnswerMs: number;
}

/** When the oldest probe on a path not answered since was sent. */
type Unanswered = Map<Path, number>;

/** Probes sent and answered, and each path's recent round trips. */
export class PathProbes {
  readonly #samples = new Map<Path, PathSamples>();
  readonly #unanswered: Unanswered = new Map();

  constructor(
    private readonly now: () => number,
    /** This side's clock in µs, modulo 2^32 (the link's own). */
    private readonly nowUs: () => number,
  ) {}

  /** Send a probe on `path` (if its state channel is open). */
  probe(path: Path): void {
    if (!this.#unanswered.has(path)) this.#unanswered.set(path, this.now());
    this.#send(path, probeFrame(PROBE, this.nowUs()));
  }

  /** How long probes on `path` have gone unanswered (0 if the last one was answered). */
  silentForMs(path: Path): number {
    const since = this.#unanswered.get(path);
    return since === undefined ? 0 : this.now() - since;
  }

  /** `data` from `path`'s state channel: true if it was a probe (answered, or counted), false if it is for the state lane. */
  take(path: Path, data: unknown): boolean {
    const probe = readProbe(data instanceof ArrayBuffer ? new Uint8Array(data) : data);
    if (probe === null) return false;
    this.#receive(path, probe);
    return true;
  }

  #receive(path: Path, frame: { answer: boolean; sentAtUs: number }): void {
    if (!frame.answer) {
      this.#send(path, probeFrame(ANSWER, frame.sentAtUs));
      return;
    }
    const rttMs = wrapU32(this.nowUs() - frame.sentAtUs) / 1000;
    // An echo of a time we never sent (or from before a clock wrap) is no sample.
    if (rttMs > 60_000) return;
    this.#unanswered.delete(path);
    let samples = this.#samples.get(path);
    if (samples === undefined) this.#samples.set(path, (samples = { rttsMs: [], firstAnswerMs: this.now() }));
    samples.rttsMs.push(rttMs);
    if (samples.rttsMs.length > SAMPLES_KEPT) samples.rttsMs.shift();
  }

  /** Answers heard from `path` (up to SAMPLES_KEPT). */
  answered(path: Path): number {
    return this.#samples.get(path)?.rttsMs.length ?? 0;
  }

  /** The median of `path`'s recent round trips; null before its first answer. */
  rttMs(path: Path): number | null {
    const rtts = this.#samples.get(path)?.rttsMs;
    if (rtts === undefined || rtts.length === 0) return null;
    const sorted = [...rtts].sort((x, y) => x - y);
    return sorted[Math.floor(sorted.length / 2)]!;
  }

  /** How long `path` has answered probes (0 before its first answer). */
  confirmedForMs(path: Path): number {
    const samples = this.#samples.get(path);
    return samples === undefined ? 0 : this.now() - samples.firstAnswerMs;
  }

  /** Forget `path` (it closed, or the lanes moved onto it). */
  forget(path: Path): void {
    this.#samples.delete(path);
    this.#unanswered.delete(path);
  }

  #send(path: Path, frame: Uint8Array<ArrayBuffer>): void {
    const channel = path.state;
    if (channel === null || channel.readyState !== 'open') return;
    try {
      channel.send(frame);
    } catch {
      // A channel closing under us: the path's own `dead` says so.
    }
  }
}
