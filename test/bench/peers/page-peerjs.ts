/**
 * PeerJS with its own server: a opens a Peer and publishes its id, b connects to it. PeerJS has
 * no unreliable channel: `reliable: false` makes it unordered but still fully retransmitted.
 */
import { Peer, type DataConnection } from 'peerjs';
import { servePage } from './page.js';
import { asBytes, singleChannelLanes } from './single-channel.js';

servePage(async (params) => {
  const peer = new Peer({ host: params.host, port: params.port('peerjs'), path: '/peerjs', config: { iceServers: [] } });
  const id = await new Promise<string>((resolve, reject) => {
    peer.once('open', resolve);
    peer.once('error', reject);
  });
  params.mark('peer open');
  let connection: DataConnection;
  if (params.role === 'a') {
    params.publish(id);
    connection = await new Promise<DataConnection>((resolve) => peer.once('connection', resolve));
  } else {
    connection = peer.connect(await params.token(), { reliable: params.mode === 'default' });
  }
  await new Promise<void>((resolve) => (connection.open ? resolve() : connection.once('open', () => resolve())));
  return singleChannelLanes(
    (bytes) => void connection.send(bytes),
    (fn) => connection.on('data', (data: unknown) => fn(asBytes(data))),
    // PeerJS queues what the channel will not take yet (`bufferSize` messages): while it does, the channel counts as full.
    () => (((connection as unknown as { bufferSize?: number }).bufferSize ?? 0) > 0 ? Infinity : (connection.dataChannel?.bufferedAmount ?? 0)),
  );
});
