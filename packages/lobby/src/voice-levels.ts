/**
 * Who is speaking, from `getStats()`: the received audio's energy for each member (what this side
 * plays), and the outbound level for me. Read every `levelIntervalMs` while there is a voice to
 * measure; `speaking` holds for `speakingHoldMs` after the level falls, because words have gaps.
 */
import type { Link, LinkTypes, RemoteTrack } from '@rallypoint/core';
import type { VoiceEvents } from './voice-types.js';

/** Below this volume too little is played to tell speech from silence: such a player never shows as speaking. */
const MIN_MEASURED_VOLUME = 0.02;

/** One voice's loudness as measured: the last level, whether it is speaking, and the energy read so far. */
export interface Loudness {
  level: number;
  speaking: boolean;
  lastLoudMs: number;
  /** Last energy reading, for the level over the interval. */
  energy: number;
  duration: number;
}

export const quiet = (): Loudness => ({ level: 0, speaking: false, lastLoudMs: 0, energy: 0, duration: 0 });

export interface SpeakingSettings {
  levelIntervalMs: number;
  speakingLevel: number;
  speakingHoldMs: number;
}

export interface SpeakingMeterDeps<T extends LinkTypes> {
  settings: SpeakingSettings;
  links(): ReadonlyMap<string, Link<T>>;
  /** The member's voice being played, and its loudness; undefined when none is. */
  heard(peerId: string): { track: RemoteTrack | null; loudness: Loudness } | undefined;
  /** Whether the microphone goes out now. */
  sending(): boolean;
  myId(): string;
  volume(peerId: string): number;
  /** Whether there is anything to measure: a microphone, or a voice heard. */
  needed(): boolean;
  emit(event: VoiceEvents['speaking']): void;
}

export class SpeakingMeter<T extends LinkTypes> {
  /** My own loudness (what the microphone sends). */
  readonly me = quiet();
  #timer: ReturnType<typeof setInterval> | null = null;
  /** A reading is under way (getStats can take longer than the interval on a busy machine). */
  #reading = false;
  #closed = false;

  constructor(private readonly deps: SpeakingMeterDeps<T>) {}

  /** There is a voice to measure: read levels from now on. */
  start(): void {
    if (this.#timer === null && !this.#closed) this.#timer = setInterval(() => void this.#readLevels(), this.deps.settings.levelIntervalMs);
  }

  /** Stop reading once there is nothing left to measure. */
  maybeStop(): void {
    if (this.#timer === null || (!this.#closed && this.deps.needed())) return;
    clearInterval(this.#timer);
    this.#timer = null;
  }

  close(): void {
    this.#closed = true;
    this.maybeStop();
  }

  /** Set a voice's level now (0 and `now` 0: silent at once, no hold). */
  set(peerId: string, state: Loudness, level: number, now: number): void {
    const { speakingLevel, speakingHoldMs } = this.deps.settings;
    state.level = level;
    if (level >= speakingLevel) state.lastLoudMs = now;
    const speaking = level >= speakingLevel || (now > 0 && now - state.lastLoudMs < speakingHoldMs);
    if (speaking === state.speaking) return;
    state.speaking = speaking;
    this.deps.emit({ peerId, speaking, level });
  }

  async #readLevels(): Promise<void> {
    if (this.#reading) return;
    this.#reading = true;
    try {
      await this.#readLevelsOnce();
    } finally {
      this.#reading = false;
    }
  }

  async #readLevelsOnce(): Promise<void> {
    const now = Date.now();
    let mine = 0;
    await Promise.all(
      [...this.deps.links()].map(async ([peerId, link]) => {
        if (!link.media.available) return;
        const stats = await link.media.stats().catch(() => null);
        if (stats === null) return;
        if (this.deps.sending()) for (const out of stats.outbound) if (out.kind === 'audio') mine = Math.max(mine, out.audioLevel ?? 0);
        const peer = this.deps.heard(peerId);
        if (peer === undefined || peer.track === null) return;
        const inbound = stats.inbound.find((entry) => entry.kind === 'audio' && (entry.trackIdentifier === undefined || entry.trackIdentifier === peer.track?.track.id));
        if (inbound === undefined) return;
        // The browser measures what it plays, after this player's volume (Chromium applies the
        // element's volume in the receiver): undo it, so a quiet player still shows as speaking.
        const volume = this.deps.volume(peerId);
        const heard = levelOf(peer.loudness, inbound);
        this.set(peerId, peer.loudness, volume >= MIN_MEASURED_VOLUME ? heard / volume : 0, now);
      }),
    );
    this.set(this.deps.myId(), this.me, this.deps.sending() ? mine : 0, now);
  }
}

/**
 * The RMS level over the last interval, from the growth of the received energy and duration
 * (a level read at one instant misses most of a word); the instant's level where a browser
 * reports no energy.
 */
function levelOf(state: Loudness, inbound: { audioLevel?: number; totalAudioEnergy?: number; totalSamplesDuration?: number }): number {
  if (inbound.totalAudioEnergy === undefined || inbound.totalSamplesDuration === undefined) return inbound.audioLevel ?? 0;
  const energy = inbound.totalAudioEnergy - state.energy;
  const duration = inbound.totalSamplesDuration - state.duration;
  const first = state.duration === 0;
  state.energy = inbound.totalAudioEnergy;
  state.duration = inbound.totalSamplesDuration;
  if (first || duration <= 0) return 0;
  return Math.sqrt(Math.max(0, energy) / duration);
}
