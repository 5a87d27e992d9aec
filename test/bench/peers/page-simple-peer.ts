/**
 * simple-peer used directly: one data channel (unordered with no retransmits in the unreliable
 * mode, simple-peer's default reliable ordered one otherwise), signaled through the socket.io
 * server, the usual pairing for a library that brings no signaling of its own.
 */
import SimplePeer from 'simple-peer';
import { io } from 'socket.io-client';
import { randomToken, servePage } from './page.js';
import { asBytes, singleChannelLanes } from './single-channel.js';

servePage(async (params) => {
  const socket = io(`http://${params.host}:${params.port('socketio')}`, { transports: ['websocket'] });
  const room = params.role === 'a' ? randomToken() : await params.token();
  // b joins after a: a starts (its offer) once b is there to hear it.
  const bJoined = new Promise<void>((resolve) => socket.once('joined', () => resolve()));
  await new Promise<void>((resolve) => socket.emit('join', room, () => resolve()));
  params.mark('in room');
  if (params.role === 'a') {
    params.publish(room);
    await bJoined;
  }
  const peer = new SimplePeer({
    initiator: params.role === 'a',
    config: { iceServers: [] },
    channelConfig: params.mode === 'unreliable' ? { ordered: false, maxRetransmits: 0 } : {},
  });
  peer.on('signal', (data) => socket.emit('signal', room, data));
  socket.on('signal', (data: SimplePeer.SignalData) => peer.signal(data));
  await new Promise<void>((resolve, reject) => {
    peer.once('connect', resolve);
    peer.once('error', reject);
  });
  socket.disconnect();
  return singleChannelLanes(
    (bytes) => peer.send(bytes),
    (fn) => peer.on('data', (data: unknown) => fn(asBytes(data))),
    () => peer.bufferSize,
  );
});
