/**
 * The baseline: two bare node-datachannel RTCPeerConnections with the same two channels as a
 * link (reliable ordered "events"; negotiated unreliable unordered "state") and no library in
 * between, signaling in-process or through a bare `ws` relay (ws-relay.ts). The answering side
 * creates its negotiated channel after the offer, as the link does (libdatachannel would otherwise
 * start an offer of its own).
 */
import WebSocket from 'ws';
import { SignalTally } from './harness.js';
import { nodeRtc } from '@rallypoint/core/node';

export interface RawSide {
  pc: RTCPeerConnection;
  events: RTCDataChannel;
  state: RTCDataChannel;
}

export interface RawPair {
  a: RawSide;
  b: RawSide;
  /** The signaling messages (and turns) it took until every channel was open. */
  signals: { count: number; turns: number };
  close(): void;
}

/** How the two sides reach each other: each can send a JSON-able message to the other. */
interface Signaling {
  send(from: 'a' | 'b', message: SignalMessage): void;
  on(side: 'a' | 'b', fn: (message: SignalMessage) => void): void;
  close(): void;
}

type SignalMessage = { description: RTCSessionDescriptionInit } | { candidate: RTCIceCandidateInit };

const STATE_ID = 100; // as the link (see DEFAULT_STATE_CHANNEL_ID)
const stateInit: RTCDataChannelInit = { negotiated: true, id: STATE_ID, ordered: false, maxRetransmits: 0 };

const opened = (channel: RTCDataChannel) =>
  channel.readyState === 'open'
    ? Promise.resolve()
    : new Promise<void>((resolve) => channel.addEventListener('open', () => resolve(), { once: true }));

/** Signaling in-process: a message is delivered on the next microtask. */
function inProcess(): Signaling {
  const handlers: Record<'a' | 'b', (message: SignalMessage) => void> = { a: () => undefined, b: () => undefined };
  return {
    send: (from, message) => queueMicrotask(() => handlers[from === 'a' ? 'b' : 'a'](message)),
    on: (side, fn) => (handlers[side] = fn),
    close: () => undefined,
  };
}

/** Signaling through a bare ws relay: both sides join the relay room `room` and exchange JSON. */
async function overRelay(relayUrl: string, room: string): Promise<Signaling> {
  const sockets = { a: new WebSocket(`${relayUrl}/${room}`), b: new WebSocket(`${relayUrl}/${room}`) };
  await Promise.all(Object.values(sockets).map((socket) => new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject))));
  return {
    send: (from, message) => sockets[from].send(JSON.stringify(message)),
    on: (side, fn) => sockets[side].on('message', (data: Buffer) => fn(JSON.parse(data.toString()) as SignalMessage)),
    close: () => {
      for (const socket of Object.values(sockets)) socket.close();
    },
  };
}

/** The pair, signaling in-process (link.connect's baseline). */
export function connectRawPair(): Promise<RawPair> {
  return connectOver(inProcess());
}

/** The pair, signaling through the ws relay at `relayUrl`, the sockets' connects included (lobby.connect's baseline). */
export async function connectRawPairOverRelay(relayUrl: string, room: string): Promise<RawPair> {
  return connectOver(await overRelay(relayUrl, room));
}

async function connectOver(counted: Signaling): Promise<RawPair> {
  const signals = new SignalTally();
  const signaling: Signaling = { ...counted, send: (from, message) => (signals.record(from), counted.send(from, message)) };
  const pcs = { a: new nodeRtc.RTCPeerConnection({ iceServers: [] }), b: new nodeRtc.RTCPeerConnection({ iceServers: [] }) };
  // Candidates that arrive before the remote description wait for it, as any signaling layer
  // (and simple-peer) must do: added too early, they are refused and ICE falls back to slow paths.
  const early = { a: [] as RTCIceCandidateInit[], b: [] as RTCIceCandidateInit[] };
  const remoteSet = { a: false, b: false };
  for (const side of ['a', 'b'] as const) {
    pcs[side].addEventListener('icecandidate', (e) => {
      if (e.candidate !== null) signaling.send(side, { candidate: e.candidate.toJSON() });
    });
  }
  let closed = false;
  // A candidate still on its way when the pair is closed is refused ("Got a remote candidate
  // without ICE transport"): nothing to do then. Before, the rejection went unhandled and ended
  // the whole bench run.
  const addCandidate = (side: 'a' | 'b', candidate: RTCIceCandidateInit) =>
    pcs[side].addIceCandidate(candidate).catch((error: unknown) => {
      if (!closed) throw error;
    });
  const setRemote = async (side: 'a' | 'b', description: RTCSessionDescriptionInit) => {
    await pcs[side].setRemoteDescription(description);
    remoteSet[side] = true;
    await Promise.all(early[side].splice(0).map((candidate) => addCandidate(side, candidate)));
  };
  const onCandidate = (side: 'a' | 'b', candidate: RTCIceCandidateInit) => {
    if (remoteSet[side]) void addCandidate(side, candidate);
    else early[side].push(candidate);
  };
  const eventsA = pcs.a.createDataChannel('events');
  const stateA = pcs.a.createDataChannel('state', stateInit);
  const sideB = new Promise<{ events: RTCDataChannel; state: RTCDataChannel }>((resolve) =>
    pcs.b.addEventListener('datachannel', (e) => resolve({ events: e.channel, state: pcs.b.createDataChannel('state', stateInit) }), { once: true }),
  );
  signaling.on('b', (message) => {
    if ('candidate' in message) return onCandidate('b', message.candidate);
    void (async () => {
      await setRemote('b', message.description);
      const answer = await pcs.b.createAnswer();
      await pcs.b.setLocalDescription(answer);
      signaling.send('b', { description: { type: 'answer', sdp: answer.sdp ?? '' } });
    })();
  });
  signaling.on('a', (message) => {
    if ('candidate' in message) onCandidate('a', message.candidate);
    else void setRemote('a', message.description);
  });
  const offer = await pcs.a.createOffer();
  await pcs.a.setLocalDescription(offer);
  signaling.send('a', { description: { type: 'offer', sdp: offer.sdp ?? '' } });
  const b = await sideB;
  const channels = [eventsA, stateA, b.events, b.state];
  for (const channel of channels) channel.binaryType = 'arraybuffer';
  await Promise.all(channels.map(opened));
  return {
    signals: { count: signals.count, turns: signals.turns },
    a: { pc: pcs.a, events: eventsA, state: stateA },
    b: { pc: pcs.b, ...b },
    close() {
      closed = true;
      signaling.close();
      for (const channel of channels) channel.close();
      pcs.a.close();
      pcs.b.close();
    },
  };
}
