/**
 * geckos.io: the page is a client of its Node server (client/server, no peer-to-peer). State
 * goes raw on its one unordered, unretransmitted channel; events go `reliable: true`, which
 * geckos.io provides by sending each one 10 times, 150 ms apart, and dropping repeats.
 */
import geckos from '@geckos.io/client';
import type { Lanes } from './endpoint.js';
import { servePage } from './page.js';
import { asBytes } from './single-channel.js';

servePage(async (params) => {
  const channel = geckos({ url: `http://${params.host}`, port: params.port('geckos'), iceServers: [] });
  await new Promise<void>((resolve, reject) => channel.onConnect((error) => (error === undefined ? resolve() : reject(error))));
  const buffered = () => (channel as unknown as { connectionsManager: { dataChannel?: RTCDataChannel } }).connectionsManager.dataChannel?.bufferedAmount ?? 0;
  const lanes: Lanes = {
    sendState: (bytes) => channel.raw.emit(bytes),
    sendEvent: (bytes) => channel.emit('e', Array.from(bytes), { reliable: true }),
    onState: (fn) => channel.onRaw((data) => fn(asBytes(data))),
    onEvent: (fn) => channel.on('e', (data) => fn(Uint8Array.from(data as number[]))),
    stateBuffered: buffered,
    eventBuffered: buffered,
  };
  return lanes;
});
