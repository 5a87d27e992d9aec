/**
 * The page of the voice tests and benchmarks: a lobby session with voice, driven through
 * `window.voiceTest` (create or join a room, start and mute voice, read what arrives). State goes
 * to every peer at 60 Hz and an event at 20 Hz once `traffic()` starts, to show that the data
 * lanes keep flowing while voice renegotiates.
 */
import { createLobby, type RoomSession, type VoiceStartOptions } from '@rallypoint/lobby';
import { rawCall } from './raw-call.js';

/** `ping`: echoed back by the peer, for the data RTT beside voice. */
type Game = { state: { n: number; at: number; ping?: 'out' | 'back' }; events: { tick: number } };

export interface PeerAudio {
  peerId: string;
  transport: string | null;
  bytesReceived: number;
  packetsReceived: number;
  totalSamplesReceived: number | null;
  audioLevel: number | null;
  totalAudioEnergy: number | null;
  totalSamplesDuration: number | null;
  bytesSent: number;
  renegotiations: number;
  remoteTracks: number;
  /** readyState of every remote track this page has been given by this peer's links, in order. */
  trackStates: string[];
}

export interface PeerTraffic {
  state: number;
  events: number;
  /** Events arrived in order, none missing. */
  inOrder: boolean;
  /** Wall-clock times the state messages arrived. */
  stateTimes: number[];
  /** The event expected next (events count up from wherever the link joined). */
  next: number | null;
}

let session: RoomSession<Game> | undefined;
const remoteTracks = new Map<string, MediaStreamTrack[]>();
const speaking: Array<{ peerId: string; speaking: boolean; at: number }> = [];
const audioStarts: Array<{ peerId: string; at: number }> = [];
const traffic = new Map<string, PeerTraffic>();
let sentEvents = 0;
const pongs = new Map<number, (rttMs: number) => void>();
const sentStateTimes: number[] = [];
let sending: ReturnType<typeof setInterval>[] = [];

function track(s: RoomSession<Game>): RoomSession<Game> {
  session = s;
  s.on('linkOpen', ({ peerId, link }) => {
    link.on('track', ({ track: t }) => {
      const list = remoteTracks.get(peerId) ?? [];
      list.push(t);
      remoteTracks.set(peerId, list);
    });
    for (const remote of link.media.remoteTracks) remoteTracks.set(peerId, [...(remoteTracks.get(peerId) ?? []), remote.track]);
    link.state.onMessage(({ payload }) => {
      if (payload.ping === 'out') return void link.state.send({ ...payload, ping: 'back' });
      if (payload.ping === 'back') return pongs.get(payload.n)?.(performance.now() - payload.at);
      const entry = trafficOf(peerId);
      entry.state++;
      entry.stateTimes.push(Date.now());
    });
    link.events.on('tick', (n) => {
      const entry = trafficOf(peerId);
      if (entry.next !== null && n !== entry.next) entry.inOrder = false;
      entry.next = n + 1;
      entry.events++;
    });
  });
  s.voice.on('speaking', ({ peerId, speaking: on }) => speaking.push({ peerId, speaking: on, at: Date.now() }));
  s.voice.on('peerAudio', ({ peerId }) => audioStarts.push({ peerId, at: Date.now() }));
  return s;
}

function trafficOf(peerId: string): PeerTraffic {
  let entry = traffic.get(peerId);
  if (entry === undefined) traffic.set(peerId, (entry = { state: 0, events: 0, inOrder: true, stateTimes: [], next: null }));
  return entry;
}

function lobby() {
  return createLobby<Game>({ url: location.origin, link: { heartbeatTimeoutMs: 5000 } });
}

const api = {
  async create(maxPlayers = 4, topology: 'star' | 'mesh' = 'mesh'): Promise<string> {
    return track(await lobby().create({ name: 'host', maxPlayers, topology })).code;
  },
  code: () => session!.code,
  async join(code: string): Promise<string> {
    return track(await lobby().join(code, { name: 'guest' })).me.id;
  },
  me: () => session!.me.id,
  openLinks: () => [...session!.links].filter(([, link]) => link.status === 'open').map(([id]) => id),
  /** `startedAt`: wall-clock time just before `voice.start()`. */
  async startVoice(options: VoiceStartOptions = {}): Promise<{ ok: true; startedAt: number } | { ok: false; name: string; message: string }> {
    try {
      const startedAt = Date.now();
      await session!.voice.start(options);
      return { ok: true, startedAt };
    } catch (error) {
      return { ok: false, name: (error as Error).name, message: (error as Error).message };
    }
  },
  mute: () => session!.voice.mute(),
  unmute: () => session!.voice.unmute(),
  setPushToTalk: (on: boolean) => session!.voice.setPushToTalk(on),
  talk: (down: boolean) => session!.voice.talk(down),
  stopVoice: () => session!.voice.stop(),
  voiceState: () => ({ active: session!.voice.active, sending: session!.voice.sending, hearing: session!.voice.hearing }),
  speaking: () => speaking,
  audioStarts: () => audioStarts,
  async audio(): Promise<PeerAudio[]> {
    const out: PeerAudio[] = [];
    for (const [peerId, link] of session!.links) {
      const stats = await link.media.stats();
      const inbound = stats.inbound.filter((entry) => entry.kind === 'audio');
      const sum = (pick: (entry: (typeof inbound)[number]) => number | undefined): number | null =>
        inbound.some((entry) => pick(entry) !== undefined) ? inbound.reduce((total, entry) => total + (pick(entry) ?? 0), 0) : null;
      const level = inbound.map((entry) => entry.audioLevel).filter((x): x is number => x !== undefined);
      out.push({
        peerId,
        transport: link.transport,
        bytesReceived: inbound.reduce((total, entry) => total + entry.bytesReceived, 0),
        packetsReceived: inbound.reduce((total, entry) => total + entry.packetsReceived, 0),
        totalSamplesReceived: sum((entry) => entry.totalSamplesReceived),
        audioLevel: level.length === 0 ? null : Math.max(...level),
        totalAudioEnergy: sum((entry) => entry.totalAudioEnergy),
        totalSamplesDuration: sum((entry) => entry.totalSamplesDuration),
        bytesSent: stats.outbound.filter((entry) => entry.kind === 'audio').reduce((total, entry) => total + entry.bytesSent, 0),
        renegotiations: stats.renegotiations,
        remoteTracks: link.media.remoteTracks.length,
        trackStates: (remoteTracks.get(peerId) ?? []).map((t) => t.readyState),
      });
    }
    // Peers whose link is gone: only their tracks remain to be looked at.
    for (const [peerId, tracks] of remoteTracks) {
      if (session!.links.has(peerId)) continue;
      out.push({ peerId, transport: null, bytesReceived: 0, packetsReceived: 0, totalSamplesReceived: null, audioLevel: null, totalAudioEnergy: null, totalSamplesDuration: null, bytesSent: 0, renegotiations: 0, remoteTracks: 0, trackStates: tracks.map((t) => t.readyState) });
    }
    return out;
  },
  startTraffic(): void {
    let n = 0;
    sending = [
      setInterval(() => {
        if (session!.sendState({ n: n++, at: Date.now() }) > 0) sentStateTimes.push(Date.now());
      }, 1000 / 60),
      setInterval(() => session!.emit('tick', sentEvents++), 1000 / 20),
    ];
  },
  stopTraffic(): void {
    for (const timer of sending) clearInterval(timer);
    sending = [];
  },
  traffic: () => Object.fromEntries(traffic),
  /** State-lane round trips to `peerId`, one every `intervalMs` (lost ones are left out). */
  async ping(peerId: string, count: number, intervalMs: number): Promise<number[]> {
    const link = session!.links.get(peerId)!;
    const rtts: number[] = [];
    for (let i = 0; i < count; i++) {
      const n = 1e9 + i;
      const pong = new Promise<void>((resolve) => {
        pongs.set(n, (rtt) => {
          rtts.push(rtt);
          resolve();
        });
        setTimeout(resolve, 1000);
      });
      link.state.send({ n, at: performance.now(), ping: 'out' });
      await Promise.all([pong, new Promise((resolve) => setTimeout(resolve, intervalMs))]);
      pongs.delete(n);
    }
    return rtts;
  },
  /** Resolves with the wall-clock time audio from `peerId` first arrived. */
  async firstAudioFrom(peerId: string): Promise<number> {
    for (;;) {
      const link = session!.links.get(peerId);
      const stats = link === undefined ? undefined : await link.media.stats();
      if (stats !== undefined && stats.inbound.some((entry) => entry.kind === 'audio' && entry.bytesReceived > 0)) return Date.now();
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  },
  /** Audio sent so far on every link: RTP payload and header bytes, packets. */
  async audioSent(): Promise<{ payload: number; headers: number; packets: number }> {
    const total = { payload: 0, headers: 0, packets: 0 };
    for (const link of session!.links.values()) {
      for (const entry of (await link.media.stats()).outbound) {
        if (entry.kind !== 'audio') continue;
        total.payload += entry.bytesSent;
        total.headers += entry.headerBytesSent ?? 0;
        total.packets += entry.packetsSent;
      }
    }
    return total;
  },
  /** The baseline call (raw-call.ts). */
  rawCall: () => rawCall.call(),
  rawSignal: (data: Parameters<typeof rawCall.signal>[0]) => rawCall.signal(data),
  rawFirstAudio: () => rawCall.firstAudio(),
  rawClose: () => rawCall.close(),
  sentEvents: () => sentEvents,
  sentStateTimes: () => sentStateTimes,
  leave: () => {
    api.stopTraffic();
    return session!.leave();
  },
};

declare global {
  interface Window {
    voiceTest: typeof api;
  }
}
window.voiceTest = api;
