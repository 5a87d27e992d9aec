/**
 * The lobby's browser build bundles colyseus.js through `colyseus-lite.mjs`: its ES module build,
 * no Schema decoder, and msgpackr in place of colyseus.js' fork of it (`colyseus-packr.ts`). Here
 * colyseus.js' own Room, bundled that way, against the same Room as Node loads it (with the fork):
 * what each sends is the same bytes, what each receives the same messages.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pack } from '@colyseus/msgpackr';
import { Protocol, Room as ForkRoom } from 'colyseus.js';
import { build, type Metafile } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';
import { colyseusLite } from '../../packages/lobby/colyseus-lite.mjs';
import { repoRoot } from '../helpers/repo.js';

const { JOIN_ROOM, ROOM_DATA, ROOM_DATA_BYTES } = Protocol;

/** What these tests use of a Room, its protected parts included. */
interface RoomInside {
  connection: unknown;
  hasJoined: boolean;
  send(type: string | number, message?: unknown): void;
  sendBytes(type: string | number, bytes: Uint8Array): void;
  onMessage(type: '*', callback: (type: string | number, message: unknown) => void): void;
  onMessageCallback(event: { data: ArrayBuffer }): void;
}
interface Captured {
  room: RoomInside;
  sent: Uint8Array[];
  heard: Array<[string | number, unknown]>;
}

let LiteRoom: typeof ForkRoom;
let metafile: Metafile;

beforeAll(async () => {
  const out = join(repoRoot(), `node_modules/.cache/rallypoint/colyseus-lite-${process.pid}`);
  mkdirSync(out, { recursive: true });
  const entry = join(out, 'entry.mjs');
  writeFileSync(entry, `export { Room } from 'colyseus.js';`);
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    format: 'esm',
    platform: 'node',
    write: false,
    metafile: true,
    plugins: [colyseusLite()],
    external: ['ws', '@colyseus/httpie', 'msgpackr'],
    absWorkingDir: repoRoot(),
    logLevel: 'error',
  });
  metafile = result.metafile;
  const file = join(out, 'room.mjs');
  writeFileSync(file, result.outputFiles[0]!.contents);
  ({ Room: LiteRoom } = (await import(file)) as { Room: typeof ForkRoom });
});

function capture(Room: typeof ForkRoom): Captured {
  const room = new Room('game') as unknown as RoomInside;
  const sent: Uint8Array[] = [];
  const heard: Array<[string | number, unknown]> = [];
  // What Room uses of its connection: send (which copies, as a WebSocket does).
  room.connection = { send: (data: Uint8Array) => sent.push(Uint8Array.from(data)) };
  room.onMessage('*', (type, message) => heard.push([type, message]));
  return { room, sent, heard };
}

function both(): [Captured, Captured] {
  return [capture(ForkRoom), capture(LiteRoom)];
}

/** A frame as the server sends it: code, the type as colyseus/schema encodes a string, the body. */
function frame(code: number, type: string, body: Uint8Array): ArrayBuffer {
  const name = new TextEncoder().encode(type);
  const bytes = new Uint8Array(2 + name.byteLength + body.byteLength);
  bytes.set([code, 0xa0 | name.byteLength]);
  bytes.set(name, 2);
  bytes.set(body, 2 + name.byteLength);
  return bytes.buffer;
}

const MESSAGES: unknown[] = [
  { to: 'a1b2', signal: { type: 'offer', sdp: 'v=0\r\n'.repeat(400) } },
  { to: 'a1b2', signal: { candidate: { candidate: 'candidate:1 1 udp 2122260223 10.0.0.2 50000 typ host', sdpMid: '0' } } },
  { ready: true },
  { ready: false, name: 'Zoë 🎮' },
  [1, 2, { nested: [{ deep: null }] }],
  'text',
  42,
  -1.5,
  2 ** 40,
  null,
  { when: new Date(1_700_000_000_000), bytes: new Uint8Array([1, 2, 3]) },
  { big: 'x'.repeat(20_000) },
];

describe('colyseus.js bundled for a page (colyseus-lite)', () => {
  it('sends the same bytes as colyseus.js with its own msgpackr, for objects, arrays, scalars and bytes', () => {
    const [fork, lite] = both();
    for (const [i, message] of MESSAGES.entries()) {
      fork.room.send(i % 2 === 0 ? 'signal' : 7, message);
      lite.room.send(i % 2 === 0 ? 'signal' : 7, message);
    }
    fork.room.send('ping');
    lite.room.send('ping');
    for (const bytes of [new Uint8Array([9, 8, 7]), new Uint8Array(50_000).fill(3), new Uint8Array(10)]) {
      fork.room.sendBytes('relay', bytes);
      lite.room.sendBytes('relay', bytes);
    }
    expect(lite.sent.length).toBe(MESSAGES.length + 4);
    expect(lite.sent.map((bytes) => Buffer.from(bytes).toString('hex'))).toEqual(fork.sent.map((bytes) => Buffer.from(bytes).toString('hex')));
  });

  it('hears what the server sends as colyseus.js does: messages, bytes, and the join of a room with no Schema state', () => {
    const [fork, lite] = both();
    const join = new Uint8Array([JOIN_ROOM, 3, ...new TextEncoder().encode('tok'), 4, ...new TextEncoder().encode('none')]);
    for (const side of [fork, lite]) {
      side.room.onMessageCallback({ data: join.buffer });
      for (const message of MESSAGES) side.room.onMessageCallback({ data: frame(ROOM_DATA, 'welcome', pack(message)) });
      side.room.onMessageCallback({ data: frame(ROOM_DATA_BYTES, 'relay', new Uint8Array([5, 6, 7])) });
    }
    expect(lite.room.hasJoined).toBe(true);
    expect(lite.heard).toHaveLength(MESSAGES.length + 1);
    expect(lite.heard).toEqual(fork.heard);
    // Each joined, and answered the join as colyseus.js does.
    expect(lite.sent).toEqual(fork.sent);
  });

  it('refuses a room with Schema state by name (a rallypoint server sends none)', () => {
    const lite = capture(LiteRoom);
    const join = new Uint8Array([JOIN_ROOM, 3, ...new TextEncoder().encode('tok'), 6, ...new TextEncoder().encode('schema')]);
    expect(() => lite.room.onMessageCallback({ data: join.buffer })).toThrow(/sends Colyseus Schema state/);
  });

  it('leaves out the Schema decoder, the msgpackr fork and tslib', () => {
    const inputs = Object.keys(metafile.inputs);
    expect(inputs.some((file) => file.includes('colyseus.js/build/esm/Room.mjs'))).toBe(true);
    expect(inputs.filter((file) => file.includes('@colyseus/schema')).sort()).toEqual([expect.stringMatching(/schema\/lib\/encoding\/decode\.js$/), expect.stringMatching(/schema\/lib\/encoding\/encode\.js$/)]);
    expect(inputs.filter((file) => /@colyseus\/msgpackr|tslib|colyseus\.js\/build\/cjs/.test(file))).toEqual([]);
  });
});
