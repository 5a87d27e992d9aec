/**
 * A socket.io relay, the "just use WebSockets" choice: both pages join a room on the server,
 * which passes each message to the others, all on one reliable, ordered TCP connection each.
 * (socket.io's `volatile` drops a message whenever the socket is still writing the previous
 * one: at the throughput run's rates that is nearly all of them, so state goes plain too.)
 */
import { io } from 'socket.io-client';
import type { Lanes } from './endpoint.js';
import { randomToken, servePage } from './page.js';
import { asBytes } from './single-channel.js';

servePage(async (params) => {
  const socket = io(`http://${params.host}:${params.port('socketio')}`, { transports: ['websocket'] });
  const room = params.role === 'a' ? randomToken() : await params.token();
  await new Promise<void>((resolve) => socket.emit('join', room, () => resolve()));
  params.mark('in room');
  if (params.role === 'a') params.publish(room);
  const buffered = () => (socket.io.engine?.transport as unknown as { ws?: WebSocket } | undefined)?.ws?.bufferedAmount ?? 0;
  const lanes: Lanes = {
    sendState: (bytes) => void socket.emit('s', bytes),
    sendEvent: (bytes) => void socket.emit('e', bytes),
    onState: (fn) => void socket.on('s', (data: unknown) => fn(asBytes(data))),
    onEvent: (fn) => void socket.on('e', (data: unknown) => fn(asBytes(data))),
    stateBuffered: buffered,
    eventBuffered: buffered,
  };
  return lanes;
});
