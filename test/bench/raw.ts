/**
 * The baseline: two bare node-datachannel RTCPeerConnections with the same two channels as a
 * link (reliable ordered "events"; negotiated unreliable unordered "state"), in-process signaling
 * and no library in between. The answering side creates its negotiated channel after the offer,
 * as the link does (libdatachannel would otherwise start an offer of its own).
 */
import { nodeRtc } from '@rallypoint/core/node';

export interface RawSide {
  pc: RTCPeerConnection;
  events: RTCDataChannel;
  state: RTCDataChannel;
}

export interface RawPair {
  a: RawSide;
  b: RawSide;
  close(): void;
}

const STATE_ID = 100; // as the link (see DEFAULT_STATE_CHANNEL_ID)
const stateInit: RTCDataChannelInit = { negotiated: true, id: STATE_ID, ordered: false, maxRetransmits: 0 };

const opened = (channel: RTCDataChannel) =>
  channel.readyState === 'open'
    ? Promise.resolve()
    : new Promise<void>((resolve) => channel.addEventListener('open', () => resolve(), { once: true }));

export async function connectRawPair(): Promise<RawPair> {
  const pcA = new nodeRtc.RTCPeerConnection({ iceServers: [] });
  const pcB = new nodeRtc.RTCPeerConnection({ iceServers: [] });
  // Candidates that arrive before the remote description wait for it, as any signaling layer
  // (and simple-peer) must do: added too early, they are refused and ICE falls back to slow paths.
  const trickle = (from: RTCPeerConnection, to: RTCPeerConnection) => {
    const early: RTCIceCandidateInit[] = [];
    let ready = false;
    from.addEventListener('icecandidate', (e) => {
      if (e.candidate === null) return;
      if (ready) void to.addIceCandidate(e.candidate.toJSON());
      else early.push(e.candidate.toJSON());
    });
    return () => {
      ready = true;
      for (const candidate of early.splice(0)) void to.addIceCandidate(candidate);
    };
  };
  const remoteSetOnB = trickle(pcA, pcB);
  const remoteSetOnA = trickle(pcB, pcA);
  const eventsA = pcA.createDataChannel('events');
  const stateA = pcA.createDataChannel('state', stateInit);
  const sideB = new Promise<{ events: RTCDataChannel; state: RTCDataChannel }>((resolve) =>
    pcB.addEventListener('datachannel', (e) => resolve({ events: e.channel, state: pcB.createDataChannel('state', stateInit) }), {
      once: true,
    }),
  );
  const offer = await pcA.createOffer();
  await pcA.setLocalDescription(offer);
  await pcB.setRemoteDescription({ type: 'offer', sdp: offer.sdp ?? '' });
  remoteSetOnB();
  const answer = await pcB.createAnswer();
  await pcB.setLocalDescription(answer);
  await pcA.setRemoteDescription({ type: 'answer', sdp: answer.sdp ?? '' });
  remoteSetOnA();
  const b = await sideB;
  const channels = [eventsA, stateA, b.events, b.state];
  for (const channel of channels) channel.binaryType = 'arraybuffer';
  await Promise.all(channels.map(opened));
  return {
    a: { pc: pcA, events: eventsA, state: stateA },
    b: { pc: pcB, ...b },
    close() {
      for (const channel of channels) channel.close();
      pcA.close();
      pcB.close();
    },
  };
}
