/** The types of `session.voice`: what it is made with, how it starts, what it emits. */
import type { Link, LinkTypes, Logger } from '@rallypoint/core';

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
  /** How often levels are read from `getStats()`, in ms (more than 0). @default 100 */
  levelIntervalMs?: number;
  /** RMS level (0..1) above which a player is speaking. @default 0.01 */
  speakingLevel?: number;
  /** How long `speaking` stays on after the level falls (words have gaps), in ms (0 or more). @default 500 */
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
  /** See `LobbyInit.logger`. */
  logger: Logger;
  /** See `LobbyInit.voice`. */
  init: VoiceInit;
}
