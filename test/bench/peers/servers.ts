/**
 * The Node side of the peers.* benchmarks, one process (run inside the benchmark's network
 * namespace): PeerJS's server, a socket.io relay (also simple-peer's signaling), a geckos.io
 * server whose newest client gets an `Endpoint`, and a rallypoint player that joins a page's room
 * on request (the Node end beside geckos.io's server).
 *
 * Protocol: it prints `{"ports":{...}}` once listening, then answers JSON lines on stdin,
 * `{"id":1,"target":"geckos"|"ours_node","call":{...}}` or `{"id":2,"join":{"lobby":URL,"code":C}}`,
 * or `{"id":3,"forget":"geckos"}` (before a new client connects), with `{"id":1,"result":...}` or `{"id":1,"error":"..."}` on stdout.
 */
import { createServer, type Server as HttpServer } from 'node:http';
import { createInterface } from 'node:readline';
import type { AddressInfo } from 'node:net';
import geckos, { type ServerChannel } from '@geckos.io/server';
import { createLobby, type RoomSession } from '@rallypoint/lobby/node';
import express from 'express';
import { ExpressPeerServer } from 'peer';
import { Server as SocketIoServer } from 'socket.io';
import { Endpoint, callEndpoint, wallClock, type EndpointCall, type Lanes } from './endpoint.js';
import { firstLinkLanes, type Game } from './link-lanes.js';
import { asBytes } from './single-channel.js';

const listen = (server: HttpServer): Promise<number> => new Promise((resolve) => server.listen(0, '0.0.0.0', () => resolve((server.address() as AddressInfo).port)));

// PeerJS's own signaling server.
const app = express();
const peerHttp = createServer(app);
app.use('/peerjs', ExpressPeerServer(peerHttp, { path: '/' }));

// The socket.io relay: rooms by name (those in a room hear `joined` when another joins); state and
// events to everyone else in the room.
const ioHttp = createServer();
const relay = new SocketIoServer(ioHttp, { cors: { origin: '*' } });
relay.on('connection', (socket) => {
  let room = '';
  socket.on('join', (name: string, ack: () => void) => {
    room = name;
    void socket.join(name);
    socket.to(name).emit('joined');
    ack();
  });
  socket.on('signal', (name: string, data: unknown) => socket.to(name).emit('signal', data));
  socket.on('s', (data: unknown) => socket.to(room).emit('s', data));
  socket.on('e', (data: unknown) => socket.to(room).emit('e', data));
});

// geckos.io: its server is the other end.
const geckosHttp = createServer();
const gio = geckos({ iceServers: [], cors: { origin: '*', allowAuthorization: false } });
gio.addServer(geckosHttp);
const endpoints: { geckos?: Endpoint; ours_node?: Endpoint } = {};
gio.onConnection((channel: ServerChannel) => {
  const lanes: Lanes = {
    sendState: (bytes) => channel.raw.emit(bytes),
    sendEvent: (bytes) => channel.emit('e', Array.from(bytes), { reliable: true }),
    onState: (fn) => channel.onRaw((data) => fn(asBytes(data))),
    onEvent: (fn) => channel.on('e', (data) => fn(Uint8Array.from(data as number[]))),
    stateBuffered: () => 0,
    eventBuffered: () => 0,
  };
  endpoints.geckos = new Endpoint(lanes);
  endpoints.geckos.greet();
});

// rallypoint in Node: joins the room a page made.
let session: RoomSession<Game> | undefined;
/** Joins the page's room; resolves with the wall clock when the link is open. */
async function join(lobbyUrl: string, code: string): Promise<number> {
  await session?.leave();
  session = await createLobby<Game>({ url: lobbyUrl }).join(code, { name: 'node' });
  const joined = session;
  // Signals still in flight when a page leaves are refused: expected here, not worth a log line.
  joined.on('error', () => {});
  endpoints.ours_node = new Endpoint(await firstLinkLanes(joined));
  endpoints.ours_node.greet();
  return wallClock();
}

const ports = { peerjs: await listen(peerHttp), socketio: await listen(ioHttp), geckos: await listen(geckosHttp) };
console.log(JSON.stringify({ ports }));

type Request = { id: number; target?: 'geckos' | 'ours_node'; call?: EndpointCall; join?: { lobby: string; code: string }; forget?: 'geckos' | 'ours_node' };
createInterface({ input: process.stdin }).on('line', (line) => {
  const request = JSON.parse(line) as Request;
  const work = async (): Promise<unknown> => {
    if (request.join !== undefined) return join(request.join.lobby, request.join.code);
    if (request.forget !== undefined) {
      delete endpoints[request.forget];
      if (request.forget === 'ours_node') await session?.leave();
      session = undefined;
      return;
    }
    // geckos.io's server may see the connection a moment after the page does.
    for (let i = 0; i < 100 && endpoints[request.target!] === undefined; i++) await new Promise((r) => setTimeout(r, 20));
    const endpoint = endpoints[request.target!];
    if (endpoint === undefined) throw new Error(`no ${request.target} end connected`);
    return callEndpoint(endpoint, request.call!);
  };
  work().then(
    (result) => console.log(JSON.stringify({ id: request.id, result: result ?? null })),
    (error: unknown) => console.log(JSON.stringify({ id: request.id, error: String((error as Error)?.stack ?? error) })),
  );
});
process.stdin.on('end', () => process.exit(0));
