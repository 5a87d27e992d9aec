/**
 * `session.voice`'s logic with in-memory links and microphone: what it sends on each link for
 * mute and push-to-talk, volumes, players, and the named errors of getUserMedia. The real thing,
 * audio between browsers, is test/e2e/voice-*.test.ts.
 */
import { describe, expect, test, vi } from 'vitest';
import { Emitter, silentLogger, type Link, type LinkEvents, type LinkMediaApi, type RemoteTrack } from '@rallypoint/core';
import { MicrophoneDeniedError, NoMicrophoneError, SessionVoice, VoiceUnsupportedError, type VoiceInit, type VoicePlayer } from '@rallypoint/lobby';

function fakeTrack(kind = 'audio'): MediaStreamTrack {
  return { id: Math.random().toString(36), kind, readyState: 'live', stop: vi.fn() } as unknown as MediaStreamTrack;
}
const fakeStream = (tracks: MediaStreamTrack[] = []) => ({ id: 's', getAudioTracks: () => tracks, getTracks: () => tracks }) as unknown as MediaStream;

/** A link with a media API that records what is sent on it. */
function fakeLink() {
  const emitter = new Emitter<LinkEvents>(() => undefined);
  const local = new Map<MediaStreamTrack, MediaStreamTrack | null>();
  const remote: RemoteTrack[] = [];
  const media: LinkMediaApi = {
    addTrack: (track) => void local.set(track, track),
    removeTrack: (track) => void local.delete(track),
    replaceTrack: async (track, replacement) => void local.set(track, replacement),
    get localTracks() {
      return [...local.keys()];
    },
    get remoteTracks() {
      return remote;
    },
    available: true,
    stats: async () => ({ inbound: [], outbound: [], renegotiations: 0 }),
  };
  const link = { status: 'open', media, on: (name: keyof LinkEvents, fn: never) => emitter.on(name, fn) } as unknown as Link;
  return {
    link,
    /** What the link sends for `track` now: the track, null (nothing), or undefined (not added). */
    sending: (track: MediaStreamTrack) => local.get(track),
    arrive(track: MediaStreamTrack) {
      const entry = { track, stream: fakeStream([track]) };
      remote.push(entry);
      emitter.emit('track', entry);
      return entry;
    },
    end: (entry: RemoteTrack) => emitter.emit('trackEnded', entry),
  };
}

function voiceWith(init: VoiceInit, links = new Map<string, Link>()) {
  return { voice: new SessionVoice({ links: () => links, myId: () => 'me', logger: silentLogger, init }), links };
}

describe('session.voice', () => {
  test('sends the microphone on every open link and on links that open later; mute and push-to-talk swap it for nothing', async () => {
    const mic = fakeTrack();
    const getUserMedia = vi.fn(async () => fakeStream([mic]));
    const first = fakeLink();
    const { voice, links } = voiceWith({ getUserMedia }, new Map([['p1', first.link]]));
    voice.linkOpened('p1', first.link);
    const sending: boolean[] = [];
    voice.on('sending', (e) => sending.push(e.sending));

    await Promise.all([voice.start(), voice.start()]);
    expect(getUserMedia).toHaveBeenCalledTimes(1);
    expect(first.sending(mic)).toBe(mic);

    const later = fakeLink();
    links.set('p2', later.link);
    voice.linkOpened('p2', later.link);
    expect(later.sending(mic)).toBe(mic);

    voice.mute();
    expect([first.sending(mic), later.sending(mic)]).toEqual([null, null]);
    voice.unmute();
    expect(first.sending(mic)).toBe(mic);

    voice.setPushToTalk(true);
    expect(first.sending(mic)).toBeNull();
    voice.talk(true);
    expect(first.sending(mic)).toBe(mic);
    voice.talk(false);
    expect(first.sending(mic)).toBeNull();
    // A link opened while the key is up is given the track muted.
    const third = fakeLink();
    links.set('p3', third.link);
    voice.linkOpened('p3', third.link);
    await Promise.resolve();
    expect(third.sending(mic)).toBeNull();
    expect(sending).toEqual([true, false, true, false, true, false]);

    voice.stop();
    expect(first.sending(mic)).toBeUndefined();
    expect(mic.stop).toHaveBeenCalled();
    expect(voice.active).toBe(false);
  });

  test("plays each peer's voice at its own volume, and stops it when the track ends", async () => {
    const players: Array<VoicePlayer & { volume: number; closed: boolean; stream: MediaStream }> = [];
    const createPlayer = (stream: MediaStream) => {
      const player = { volume: -1, closed: false, stream, setVolume: (v: number) => void (player.volume = v), play: async () => undefined, close: () => void (player.closed = true) };
      players.push(player);
      return player;
    };
    const link = fakeLink();
    const { voice } = voiceWith({ createPlayer }, new Map([['p1', link.link]]));
    voice.linkOpened('p1', link.link);
    const events: string[] = [];
    voice.on('peerAudio', ({ peerId }) => events.push(`audio ${peerId}`));
    voice.on('peerAudioEnded', ({ peerId }) => events.push(`ended ${peerId}`));

    voice.setVolume('p1', 0.25);
    const entry = link.arrive(fakeTrack());
    expect(players[0]!.volume).toBe(0.25);
    expect(players[0]!.stream).toBe(entry.stream);
    voice.setVolume('p1', 7);
    expect(players[0]!.volume).toBe(1);
    voice.setVolume('p1', Number.NaN);
    expect(voice.volume('p1')).toBe(1);
    expect(voice.hearing).toEqual(['p1']);
    link.arrive(fakeTrack('video'));
    expect(players).toHaveLength(1);

    link.end(entry);
    expect(players[0]!.closed).toBe(true);
    expect(voice.hearing).toEqual([]);
    expect(events).toEqual(['audio p1', 'ended p1']);
    voice.close();
  });

  test.each([
    ['NotAllowedError', MicrophoneDeniedError],
    ['SecurityError', MicrophoneDeniedError],
    ['NotFoundError', NoMicrophoneError],
    ['OverconstrainedError', NoMicrophoneError],
  ])('getUserMedia failing with %s is a %s, and voice stays off', async (name, expected) => {
    const failure = Object.assign(new Error('no'), { name });
    const { voice } = voiceWith({ getUserMedia: () => Promise.reject(failure) });
    const error = await voice.start({ deviceId: 'x' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(expected);
    expect((error as Error).cause).toBe(failure);
    expect(voice.active).toBe(false);
  });

  test('without a microphone API (Node, or a page that is not a secure context) start is a VoiceUnsupportedError', async () => {
    const { voice } = voiceWith({});
    await expect(voice.start()).rejects.toBeInstanceOf(VoiceUnsupportedError);
  });

  test('a stream without an audio track is a NoMicrophoneError', async () => {
    const { voice } = voiceWith({ getUserMedia: async () => fakeStream([]) });
    await expect(voice.start()).rejects.toBeInstanceOf(NoMicrophoneError);
  });
});
