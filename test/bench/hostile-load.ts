/**
 * The hostile side of lobby.hostile's body and relay phases, in a process of its own so that what
 * it costs to send does not land on the honest pair's round trips (they are timed in the bench's
 * process): `node hostile-load.mjs <bodies|relay-flood> <url> <room code>`.
 * Runs until SIGTERM, then prints one JSON line of what it did and exits.
 *
 * - bodies: four senders post 256 MiB bodies (declared, and chunked) to matchmaking and to
 *   /rooms/CODE, each one every BODY_PACE_MS;
 * - relay-flood: a member of the room sends 1 KiB relay frames, 200 a millisecond, to another
 *   member this process keeps in the room (so what gets through lands here too), and joins again
 *   each time the server cuts it off.
 */
import { Client } from 'colyseus.js';
import { RELAY_MESSAGE, RoomName, encodeRelayFrame } from '@rallypoint/protocol';
import { rawBodyRequest, requestHead } from '../helpers/raw-http.js';
import { rawMember } from '../helpers/raw-member.js';
import { sleep } from './harness.js';

/** How often each of the four big-body senders posts one (80 a second in all, 20 GiB/s offered). */
const BODY_PACE_MS = 50;

const [mode, url, code] = process.argv.slice(2) as ['bodies' | 'relay-flood', string, string];
const port = Number(new URL(url).port);
let running = true;
const counts: Record<string, number> = {};
const count = (what: string, n = 1) => (counts[what] = (counts[what] ?? 0) + n);

process.once('SIGTERM', () => {
  running = false;
  process.stdout.write(`${JSON.stringify(counts)}\n`, () => process.exit(0));
});

if (mode === 'bodies') {
  const targets = [`POST /matchmake/create/${RoomName.Game}`, `POST /matchmake/joinById/${code}`, `GET /rooms/${code}`];
  for (let sender = 0; sender < 4; sender++) {
    void (async () => {
      for (let n = sender; running; n++) {
        const head = requestHead(`${targets[n % targets.length]!} HTTP/1.1`, { 'Content-Type': 'application/json' });
        const status = await rawBodyRequest(port, head, 256 * 1024 * 1024, { chunked: n % 2 === 1 }).then((reply) => reply.status, () => -1);
        count(`bodies_${status}`);
        await sleep(BODY_PACE_MS);
      }
    })();
  }
} else {
  void (async () => {
    const sink = await rawMember(url, (client: Client) => client.joinById(code, { name: 'sink' }));
    const frame = encodeRelayFrame('state', sink.id, new Uint8Array(1024));
    while (running) {
      const flooder = await rawMember(url, (client: Client) => client.joinById(code, { name: 'flooder' })).catch(() => undefined);
      if (flooder === undefined) {
        count('joins_refused');
        await sleep(50);
        continue;
      }
      while (running && flooder.closedWith === undefined) {
        for (let i = 0; i < 200; i++) flooder.room.sendBytes(RELAY_MESSAGE, frame);
        count('frames', 200);
        await sleep(1);
      }
      if (flooder.closedWith !== undefined) count('cut');
    }
  })();
}
