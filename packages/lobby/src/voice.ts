/**
 * Voice chat for a room session (`session.voice`): one microphone track, sent on every link
 * (`link.media`, on the same WebRTC connection as the data lanes), and every other player's voice
 * played with a volume of its own. Mute and push-to-talk swap the sent track for nothing
 * (`replaceTrack`), with no renegotiation. `speaking` comes from the received audio's energy in
 * `getStats()`, so it needs no AudioContext.
 *
 * Voice needs a direct or TURN connection: the lobby relay carries data only.
 */
import { Emitter, type Link, type LinkTypes, type Logger, type RemoteTrack } from '@rallypoint/core';
import { MicrophoneDeniedError, NoMicrophoneError, VoiceError, VoiceUnsupportedError } from './errors.js';

/** Plays one player's voice. */
export interface VoicePlayer {
  /** 0..1 */
  setVolume(volume: number): void;
  /** Start (again) after the browser blocked playback without a user gesture. */
  play(): Promise<void>;
  close(): void;
}

/** What `session.voice` is made with (`LobbyInit.voice`); every part has a browser default. */
export interface VoiceInit {
  /** Opens the microphone. @default navigator.mediaDevices.getUserMedia */
  getUserMedia?: (constraints: MediaStreamConstraints) => Promise<MediaStream>;
  /** Plays a remote stream. @default a detached `<audio>` element */
  createPlayer?: (stream: MediaStream) => VoicePlayer;
  /** How often levels are read from `getStats()`. @default 100 */
  levelIntervalMs?: number;
  /** RMS level (0..1) above which a player is speaking. @default 0.01 */
  speakingLevel?: number;
  /** How long `speaking` stays on after the level falls (words have gaps). @default 500 */
  speakingHoldMs?: number;
}

/** How `session.voice.start()` opens the microphone. */
export interface VoiceStartOptions {
  /** A microphone from `navigator.mediaDevices.enumerateDevices()`. @default the browser's default microphone */
  deviceId?: string;
  /** Send only while `talk(true)` (a held key). @default false */
  pushToTalk?: boolean;
  /** More constraints for the microphone. @default { echoCancellation: true, noiseSuppression: true, autoGainControl: true } */
  audio?: MediaTrackConstraints;
}

/** The events `session.voice` emits. */
export interface VoiceEvents {
  /** A member's voice started arriving (again, after a path change). */
  peerAudio: { peerId: string; stream: MediaStream };
  /** A member's voice stopped arriving: they stopped, left, or their connection is being replaced. */
  peerAudioEnded: { peerId: string };
  /** A member (or me: `session.me.id`) started or stopped speaking. `level` is the RMS level, 0..1. */
  speaking: { peerId: string; speaking: boolean; level: number };
  /** Whether the microphone is sent now changed (mute, unmute, push-to-talk, start, stop). */
  sending: { sending: boolean };
  /** Playback was blocked or a link would not take the track; voice goes on elsewhere. */
  error: { error: Error; peerId?: string };
}

/** What a `SessionVoice` is made with (the room session makes it; a game does not). */
export interface VoiceDeps<T extends LinkTypes> {
  links(): ReadonlyMap<string, Link<T>>;
  myId(): string;
  logger: Logger;
  init: VoiceInit;
}

interface Listening {
  off: Array<() => void>;
  player: VoicePlayer | null;
  track: RemoteTrack | null;
  /** Last energy reading, for the level over the interval. */
  energy: number;
  duration: number;
  level: number;
  speaking: boolean;
  lastLoudMs: number;
}

/** Below this volume too little is played to tell speech from silence: such a player never shows as speaking. */
const MIN_MEASURED_VOLUME = 0.02;

const DEFAULTS = { levelIntervalMs: 100, speakingLevel: 0.01, speakingHoldMs: 500 };

/** `session.voice`. */
export class SessionVoice<T extends LinkTypes = LinkTypes> {
  readonly #emitter: Emitter<VoiceEvents>;
  readonly #peers = new Map<string, Listening>();
  readonly #volumes = new Map<string, number>();
  readonly #settings: typeof DEFAULTS;
  #stream: MediaStream | null = null;
  #track: MediaStreamTrack | null = null;
  #starting: Promise<void> | null = null;
  #muted = false;
  #pushToTalk = false;
  #talking = false;
  #sending = false;
  #me: { level: number; speaking: boolean; lastLoudMs: number } = { level: 0, speaking: false, lastLoudMs: 0 };
  #timer: ReturnType<typeof setInterval> | null = null;
  /** A reading is under way (getStats can take longer than the interval on a busy machine). */
  #reading = false;
  #closed = false;

  constructor(private readonly deps: VoiceDeps<T>) {
    this.#emitter = new Emitter((name, error) => deps.logger.warn({ err: error, event: name }, 'a voice listener threw'));
    this.#settings = { ...DEFAULTS, ...definedOf(deps.init) };
  }

  /** True from `start()` resolving until `stop()`. */
  get active(): boolean {
    return this.#track !== null;
  }
  /** The microphone track while active. */
  get track(): MediaStreamTrack | null {
    return this.#track;
  }
  get muted(): boolean {
    return this.#muted;
  }
  get pushToTalk(): boolean {
    return this.#pushToTalk;
  }
  /** Whether the microphone goes out now: active, not muted, and talking if push-to-talk. */
  get sending(): boolean {
    return this.#sending;
  }

  on<K extends keyof VoiceEvents>(name: K, fn: (event: VoiceEvents[K]) => void): () => void {
    return this.#emitter.on(name, fn);
  }
  off<K extends keyof VoiceEvents>(name: K, fn: (event: VoiceEvents[K]) => void): void {
    this.#emitter.off(name, fn);
  }

  /**
   * Ask for the microphone (once: later calls resolve at once) and send it to every player, and
   * to players who come later. Call it from a click or key press, so that the browser lets the
   * others' voices play too. Rejects with `MicrophoneDeniedError`, `NoMicrophoneError` or
   * `VoiceUnsupportedError`; the game goes on either way.
   */
  start(options: VoiceStartOptions = {}): Promise<void> {
    if (this.#closed) return Promise.reject(new VoiceError('the session is closed'));
    if (this.#track !== null) return Promise.resolve();
    this.#starting ??= this.#start(options).finally(() => (this.#starting = null));
    return this.#starting;
  }

  /** Stop sending (the track is swapped for nothing; no renegotiation). */
  mute(): void {
    this.#muted = true;
    this.#apply();
  }
  unmute(): void {
    this.#muted = false;
    this.#apply();
  }
  /** Turn push-to-talk on or off: on, the microphone goes out only while `talk(true)`. */
  setPushToTalk(on: boolean): void {
    this.#pushToTalk = on;
    if (!on) this.#talking = false;
    this.#apply();
  }
  /** The push-to-talk key went down (true) or up (false). */
  talk(pressed: boolean): void {
    this.#talking = pressed;
    this.#apply();
  }

  /** One member's voice volume, 0..1 (proximity voice: set it from the distance every frame). */
  setVolume(peerId: string, volume: number): void {
    const clamped = Number.isFinite(volume) ? Math.min(1, Math.max(0, volume)) : 1;
    this.#volumes.set(peerId, clamped);
    this.#peers.get(peerId)?.player?.setVolume(clamped);
  }
  volume(peerId: string): number {
    return this.#volumes.get(peerId) ?? 1;
  }
  /**
   * Whether a member (or me) is speaking now. It is measured on what this side plays, so a
   * member whose volume is (nearly) 0 never shows as speaking.
   */
  isSpeaking(peerId: string): boolean {
    return peerId === this.deps.myId() ? this.#me.speaking : (this.#peers.get(peerId)?.speaking ?? false);
  }
  /** Members whose voice arrives now. */
  get hearing(): string[] {
    return [...this.#peers].filter(([, peer]) => peer.track !== null).map(([id]) => id);
  }

  /** Stop sending and release the microphone. Others' voices still play. */
  stop(): void {
    const track = this.#track;
    if (track === null) return;
    this.#track = null;
    this.#stream = null;
    for (const link of this.deps.links().values()) link.media.removeTrack(track);
    track.stop();
    this.#setSending(false);
    this.#setSpeaking(this.deps.myId(), this.#me, 0, 0);
    this.#maybeStopTimer();
  }

  /** A link opened (the session calls this): hear its tracks, and send ours on it. */
  linkOpened(peerId: string, link: Link<T>): void {
    if (this.#closed) return;
    this.linkClosed(peerId);
    const peer: Listening = { off: [], player: null, track: null, energy: 0, duration: 0, level: 0, speaking: false, lastLoudMs: 0 };
    this.#peers.set(peerId, peer);
    peer.off.push(
      link.on('track', (remote) => this.#hear(peerId, peer, remote)),
      link.on('trackEnded', (remote) => {
        if (peer.track?.track === remote.track) this.#unhear(peerId, peer);
      }),
    );
    for (const remote of link.media.remoteTracks) this.#hear(peerId, peer, remote);
    if (this.#track !== null && this.#stream !== null) this.#send(peerId, link, this.#track, this.#stream);
  }

  /** A link closed (the session calls this). */
  linkClosed(peerId: string): void {
    const peer = this.#peers.get(peerId);
    if (peer === undefined) return;
    this.#peers.delete(peerId);
    for (const off of peer.off) off();
    this.#unhear(peerId, peer);
  }

  /** The session ended. */
  close(): void {
    if (this.#closed) return;
    this.stop();
    for (const peerId of [...this.#peers.keys()]) this.linkClosed(peerId);
    this.#closed = true;
    this.#maybeStopTimer();
    this.#emitter.clear();
  }

  async #start(options: VoiceStartOptions): Promise<void> {
    const getUserMedia = this.deps.init.getUserMedia ?? browserGetUserMedia();
    if (getUserMedia === undefined) throw new VoiceUnsupportedError();
    const audio: MediaTrackConstraints = { echoCancellation: true, noiseSuppression: true, autoGainControl: true, ...options.audio };
    if (options.deviceId !== undefined) audio.deviceId = { exact: options.deviceId };
    let stream: MediaStream;
    try {
      stream = await getUserMedia({ audio, video: false });
    } catch (error) {
      throw voiceErrorOf(error, options.deviceId);
    }
    const track = stream.getAudioTracks()[0];
    if (track === undefined) throw new NoMicrophoneError(options.deviceId);
    if (this.#closed) {
      track.stop();
      throw new VoiceError('the session closed while the microphone was being opened');
    }
    this.#stream = stream;
    this.#track = track;
    this.#pushToTalk = options.pushToTalk ?? this.#pushToTalk;
    this.#setSending(this.#wantSending());
    for (const [peerId, link] of this.deps.links()) if (link.status === 'open') this.#send(peerId, link, track, stream);
    // A user gesture brought us here: players the browser blocked may play now.
    for (const [peerId, peer] of this.#peers) peer.player?.play().catch((error: unknown) => this.#report(error, peerId));
    this.#ensureTimer();
  }

  #send(peerId: string, link: Link<T>, track: MediaStreamTrack, stream: MediaStream): void {
    if (link.media.localTracks.includes(track)) return;
    try {
      link.media.addTrack(track, stream);
      if (!this.#sending) void link.media.replaceTrack(track, null).catch((error: unknown) => this.#report(error, peerId));
    } catch (error) {
      this.#report(error, peerId);
    }
  }

  /** Send the microphone, or nothing, on every link, as mute and push-to-talk say. */
  #apply(): void {
    const track = this.#track;
    const sending = this.#wantSending();
    if (track === null || sending === this.#sending) return this.#setSending(sending);
    for (const [peerId, link] of this.deps.links()) {
      if (!link.media.localTracks.includes(track)) continue;
      link.media.replaceTrack(track, sending ? track : null).catch((error: unknown) => this.#report(error, peerId));
    }
    this.#setSending(sending);
  }

  #wantSending(): boolean {
    return this.#track !== null && !this.#muted && (!this.#pushToTalk || this.#talking);
  }

  #setSending(sending: boolean): void {
    if (sending === this.#sending) return;
    this.#sending = sending;
    this.#emitter.emit('sending', { sending });
  }

  #hear(peerId: string, peer: Listening, remote: RemoteTrack): void {
    if (remote.track.kind !== 'audio' || peer.track?.track === remote.track) return;
    this.#unhear(peerId, peer);
    peer.track = remote;
    peer.energy = peer.duration = 0;
    try {
      peer.player = (this.deps.init.createPlayer ?? audioElementPlayer)(remote.stream);
      peer.player.setVolume(this.volume(peerId));
      peer.player.play().catch((error: unknown) => this.#report(error, peerId));
    } catch (error) {
      this.#report(error, peerId);
    }
    this.#emitter.emit('peerAudio', { peerId, stream: remote.stream });
    this.#ensureTimer();
  }

  #unhear(peerId: string, peer: Listening): void {
    if (peer.track === null) return;
    peer.track = null;
    peer.player?.close();
    peer.player = null;
    this.#setSpeaking(peerId, peer, 0, 0);
    this.#emitter.emit('peerAudioEnded', { peerId });
    this.#maybeStopTimer();
  }

  #ensureTimer(): void {
    if (this.#timer === null && !this.#closed) this.#timer = setInterval(() => void this.#readLevels(), this.#settings.levelIntervalMs);
  }

  #maybeStopTimer(): void {
    if (this.#timer === null || (!this.#closed && (this.#track !== null || this.hearing.length > 0))) return;
    clearInterval(this.#timer);
    this.#timer = null;
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
        if (this.#sending) for (const out of stats.outbound) if (out.kind === 'audio') mine = Math.max(mine, out.audioLevel ?? 0);
        const peer = this.#peers.get(peerId);
        if (peer === undefined || peer.track === null) return;
        const inbound = stats.inbound.find((entry) => entry.kind === 'audio' && (entry.trackIdentifier === undefined || entry.trackIdentifier === peer.track?.track.id));
        if (inbound === undefined) return;
        // The browser measures what it plays, after this player's volume (Chromium applies the
        // element's volume in the receiver): undo it, so a quiet player still shows as speaking.
        const volume = this.volume(peerId);
        const heard = levelOf(peer, inbound);
        this.#setSpeaking(peerId, peer, volume >= MIN_MEASURED_VOLUME ? heard / volume : 0, now);
      }),
    );
    this.#setSpeaking(this.deps.myId(), this.#me, this.#sending ? mine : 0, now);
  }

  #setSpeaking(peerId: string, state: { level: number; speaking: boolean; lastLoudMs: number }, level: number, now: number): void {
    state.level = level;
    if (level >= this.#settings.speakingLevel) state.lastLoudMs = now;
    const speaking = level >= this.#settings.speakingLevel || (now > 0 && now - state.lastLoudMs < this.#settings.speakingHoldMs);
    if (speaking === state.speaking) return;
    state.speaking = speaking;
    this.#emitter.emit('speaking', { peerId, speaking, level });
  }

  #report(error: unknown, peerId?: string): void {
    const named = error instanceof Error ? error : new VoiceError(String(error));
    if (this.#emitter.has('error')) this.#emitter.emit('error', peerId === undefined ? { error: named } : { error: named, peerId });
    else this.deps.logger.warn({ err: named, peerId }, 'voice');
  }
}

/**
 * The RMS level over the last interval, from the growth of the received energy and duration
 * (a level read at one instant misses most of a word); the instant's level where a browser
 * reports no energy.
 */
function levelOf(peer: Listening, inbound: { audioLevel?: number; totalAudioEnergy?: number; totalSamplesDuration?: number }): number {
  if (inbound.totalAudioEnergy === undefined || inbound.totalSamplesDuration === undefined) return inbound.audioLevel ?? 0;
  const energy = inbound.totalAudioEnergy - peer.energy;
  const duration = inbound.totalSamplesDuration - peer.duration;
  const first = peer.duration === 0;
  peer.energy = inbound.totalAudioEnergy;
  peer.duration = inbound.totalSamplesDuration;
  if (first || duration <= 0) return 0;
  return Math.sqrt(Math.max(0, energy) / duration);
}

function voiceErrorOf(error: unknown, deviceId: string | undefined): Error {
  const name = (error as { name?: unknown } | null)?.name;
  if (name === 'NotAllowedError' || name === 'SecurityError' || name === 'PermissionDeniedError') return new MicrophoneDeniedError({ cause: error });
  if (name === 'NotFoundError' || name === 'OverconstrainedError' || name === 'DevicesNotFoundError') return new NoMicrophoneError(deviceId, { cause: error });
  if (name === 'TypeError' && browserGetUserMedia() === undefined) return new VoiceUnsupportedError();
  return new VoiceError(`the microphone could not be opened (${String(name ?? error)})`, undefined, { cause: error });
}

function browserGetUserMedia(): ((constraints: MediaStreamConstraints) => Promise<MediaStream>) | undefined {
  const devices = (globalThis as { navigator?: { mediaDevices?: MediaDevices } }).navigator?.mediaDevices;
  return devices?.getUserMedia === undefined ? undefined : (constraints) => devices.getUserMedia(constraints);
}

/** A detached `<audio>` element per voice (Chromium plays a WebRTC stream only through a media element). */
function audioElementPlayer(stream: MediaStream): VoicePlayer {
  const audio = document.createElement('audio');
  audio.autoplay = true;
  audio.srcObject = stream;
  return {
    setVolume: (volume) => (audio.volume = volume),
    play: () => audio.play(),
    close: () => {
      audio.pause();
      audio.srcObject = null;
    },
  };
}

function definedOf(init: VoiceInit): Partial<typeof DEFAULTS> {
  const out: Partial<typeof DEFAULTS> = {};
  if (init.levelIntervalMs !== undefined) out.levelIntervalMs = init.levelIntervalMs;
  if (init.speakingLevel !== undefined) out.speakingLevel = init.speakingLevel;
  if (init.speakingHoldMs !== undefined) out.speakingHoldMs = init.speakingHoldMs;
  return out;
}
