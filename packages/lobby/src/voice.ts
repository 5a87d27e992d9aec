/**
 * Voice chat for a room session (`session.voice`): one microphone track, sent on every link
 * (`link.media`, on the same WebRTC connection as the data lanes), and every other player's voice
 * played with a volume of its own. Mute and push-to-talk swap the sent track for nothing
 * (`replaceTrack`), with no renegotiation. `speaking` comes from the received audio's energy in
 * `getStats()`, so it needs no AudioContext.
 *
 * Voice needs a direct or TURN connection: the lobby relay carries data only.
 */
import { Emitter, type Link, type LinkTypes, type RemoteTrack } from '@rallypoint/core';
import { NoMicrophoneError, VoiceError, VoiceUnsupportedError } from './errors.js';
import { audioElementPlayer, browserGetUserMedia, voiceErrorOf } from './voice-browser.js';
import { SpeakingMeter, quiet, type Loudness } from './voice-levels.js';
import type { VoiceDeps, VoiceEvents, VoiceInit, VoicePlayer, VoiceStartOptions } from './voice-types.js';

/** A member being listened to: its voice's player and track, and how loud it is. */
interface Listening {
  off: Array<() => void>;
  player: VoicePlayer | null;
  track: RemoteTrack | null;
  loudness: Loudness;
}

const DEFAULTS = { levelIntervalMs: 100, speakingLevel: 0.01, speakingHoldMs: 500 };

/** `session.voice`. */
export class SessionVoice<T extends LinkTypes = LinkTypes> {
  readonly #emitter: Emitter<VoiceEvents>;
  readonly #peers = new Map<string, Listening>();
  readonly #volumes = new Map<string, number>();
  readonly #meter: SpeakingMeter<T>;
  #stream: MediaStream | null = null;
  #track: MediaStreamTrack | null = null;
  #starting: Promise<void> | null = null;
  #muted = false;
  #pushToTalk = false;
  #talking = false;
  #sending = false;
  #closed = false;

  constructor(private readonly deps: VoiceDeps<T>) {
    this.#emitter = new Emitter((name, error) => deps.logger.warn({ err: error, event: name }, 'a voice listener threw'));
    this.#meter = new SpeakingMeter<T>({
      settings: { ...DEFAULTS, ...definedOf(deps.init) },
      links: deps.links,
      heard: (peerId) => this.#peers.get(peerId),
      sending: () => this.#sending,
      myId: deps.myId,
      volume: (peerId) => this.volume(peerId),
      needed: () => this.#track !== null || this.hearing.length > 0,
      emit: (event) => this.#emitter.emit('speaking', event),
    });
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
    return peerId === this.deps.myId() ? this.#meter.me.speaking : (this.#peers.get(peerId)?.loudness.speaking ?? false);
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
    this.#meter.set(this.deps.myId(), this.#meter.me, 0, 0);
    this.#meter.maybeStop();
  }

  /** A link opened (the session calls this): hear its tracks, and send ours on it. */
  linkOpened(peerId: string, link: Link<T>): void {
    if (this.#closed) return;
    this.linkClosed(peerId);
    const peer: Listening = { off: [], player: null, track: null, loudness: quiet() };
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
    this.#meter.close();
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
    this.#meter.start();
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
    peer.loudness.energy = peer.loudness.duration = 0;
    try {
      peer.player = (this.deps.init.createPlayer ?? audioElementPlayer)(remote.stream);
      peer.player.setVolume(this.volume(peerId));
      peer.player.play().catch((error: unknown) => this.#report(error, peerId));
    } catch (error) {
      this.#report(error, peerId);
    }
    this.#emitter.emit('peerAudio', { peerId, stream: remote.stream });
    this.#meter.start();
  }

  #unhear(peerId: string, peer: Listening): void {
    if (peer.track === null) return;
    peer.track = null;
    peer.player?.close();
    peer.player = null;
    this.#meter.set(peerId, peer.loudness, 0, 0);
    this.#emitter.emit('peerAudioEnded', { peerId });
    this.#meter.maybeStop();
  }

  #report(error: unknown, peerId?: string): void {
    const named = error instanceof Error ? error : new VoiceError(String(error));
    if (this.#emitter.has('error')) this.#emitter.emit('error', peerId === undefined ? { error: named } : { error: named, peerId });
    else this.deps.logger.warn({ err: named, peerId }, 'voice');
  }
}

function definedOf(init: VoiceInit): Partial<typeof DEFAULTS> {
  const out: Partial<typeof DEFAULTS> = {};
  if (init.levelIntervalMs !== undefined) out.levelIntervalMs = init.levelIntervalMs;
  if (init.speakingLevel !== undefined) out.speakingLevel = init.speakingLevel;
  if (init.speakingHoldMs !== undefined) out.speakingHoldMs = init.speakingHoldMs;
  return out;
}
