/** What voice takes from the browser by default: the microphone, playback, and their failures named. */
import { MicrophoneDeniedError, NoMicrophoneError, VoiceError, VoiceUnsupportedError } from './errors.js';
import type { VoicePlayer } from './voice-types.js';

/** A getUserMedia failure as the named error a game can act on. */
export function voiceErrorOf(error: unknown, deviceId: string | undefined): Error {
  const name = (error as { name?: unknown } | null)?.name;
  if (name === 'NotAllowedError' || name === 'SecurityError' || name === 'PermissionDeniedError') return new MicrophoneDeniedError({ cause: error });
  if (name === 'NotFoundError' || name === 'OverconstrainedError' || name === 'DevicesNotFoundError') return new NoMicrophoneError(deviceId, { cause: error });
  if (name === 'TypeError' && browserGetUserMedia() === undefined) return new VoiceUnsupportedError();
  return new VoiceError(`the microphone could not be opened (${String(name ?? error)})`, undefined, { cause: error });
}

/** The browser's getUserMedia; undefined where there is none (not a browser, or not a secure origin). */
export function browserGetUserMedia(): ((constraints: MediaStreamConstraints) => Promise<MediaStream>) | undefined {
  const devices = (globalThis as { navigator?: { mediaDevices?: MediaDevices } }).navigator?.mediaDevices;
  return devices?.getUserMedia === undefined ? undefined : (constraints) => devices.getUserMedia(constraints);
}

/** A detached `<audio>` element per voice (Chromium plays a WebRTC stream only through a media element). */
export function audioElementPlayer(stream: MediaStream): VoicePlayer {
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
