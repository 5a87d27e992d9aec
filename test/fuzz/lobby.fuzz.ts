/**
 * Fuzz the lobby server: attackers in several rooms send generated and mutated frames (random
 * bytes, valid frames with flips, random payloads under real message types, pointer DAGs,
 * nesting bombs, foreign extensions, odd protocol codes, text, frames over the transport limit),
 * each replaced by a fresh one when the server disconnects it, while an honest pair in every room
 * ping-pongs signals. Reports whether the server lived, its memory, what it refused, and what the
 * honest players' round trips cost meanwhile.
 */
import { Client } from 'colyseus.js';
import { ClientMessage, LobbyLimits, RoomName } from '@rallypoint/protocol';
import { percentile, round } from '../bench/harness.js';
import { startServer } from '../helpers/lobby-server.js';
import { startPingPong, type PingPong } from '../helpers/ping-pong.js';
import { rawMember, roomFrame, ROOM_DATA, ROOM_DATA_BYTES, type RawMember } from '../helpers/raw-member.js';
import { createFrameSource, type FrameSource } from './frames.js';

export interface LobbyFuzzOptions {
  frames: number;
  seed?: number;
  rooms?: number;
  /** Attackers connected at once. */
  attackers?: number;
  log?: (line: string) => void;
}

export interface LobbyFuzzReport {
  frames: number;
  attackersUsed: number;
  serverAlive: boolean;
  /** Lines the server logged that mean something escaped its handlers. */
  escapes: string[];
  rssStartMb: number;
  rssMaxMb: number;
  rssEndMb: number;
  honestRoundTrips: number;
  honestP50Ms: number;
  honestP99Ms: number;
  honestMaxMs: number;
  rejected: Record<string, number>;
  disconnectedForAbuse: number;
  seconds: number;
}

const types = [...Object.values(ClientMessage), 'hack', '__proto__', ''];

/** One hostile frame, as bytes or text for the WebSocket. */
function hostileFrame(source: FrameSource, victims: string[]): Uint8Array | string {
  const { int, pick } = source;
  const signalTo = () => ({ to: pick([...victims, 'nobody123', 'x'.repeat(int(40))]), data: { type: pick(['offer', 'answer', 'candidate', '']), sdp: source.value(3) } });
  switch (int(12)) {
    case 0: return source.bytes(int(300));
    case 1: return source.mutate(roomFrame(ROOM_DATA, 'signal', source.pack(signalTo())));
    case 2: return roomFrame(ROOM_DATA, pick(types), source.pack(source.value(5)));
    case 3: return roomFrame(ROOM_DATA, 'signal', source.pack(signalTo()));
    case 4: return roomFrame(ROOM_DATA, 'signal', source.dag(20 + int(30), 3 + int(4), source.random() < 0.5));
    case 5: return roomFrame(ROOM_DATA, pick(types), source.nested(int(3000), source.random() < 0.5));
    case 6: return roomFrame(ROOM_DATA, pick(types), source.extension());
    case 7: return Uint8Array.from([int(256), ...source.bytes(int(40))]);
    case 8: return 'x'.repeat(int(100));
    case 9: return roomFrame(ROOM_DATA_BYTES, pick(types), source.bytes(int(100)));
    case 10: return source.random() < 0.2 ? new Uint8Array(LobbyLimits.frameMaxBytes + 1 + int(100)) : source.mutate(roomFrame(ROOM_DATA, pick(types), source.pack(source.value(3))));
    default: return roomFrame(ROOM_DATA, pick(types), source.mutate(source.pack({ ready: true, name: 'n', locked: false, ...signalTo() })));
  }
}

export async function fuzzLobby(options: LobbyFuzzOptions): Promise<LobbyFuzzReport> {
  const { frames, seed = 1, rooms = 4, attackers = 8, log = () => undefined } = options;
  const started = performance.now();
  const source = createFrameSource(seed);
  const server = await startServer([], {}, 'info');
  const url = server.url;
  const honest: RawMember[] = [];
  const pingPongs: PingPong[] = [];
  const codes: string[] = [];
  const rss = async () => (await server.metric('rallypoint_process_resident_memory_bytes')) / 2 ** 20;
  const rssStartMb = await rss();
  let rssMaxMb = rssStartMb;
  const sampler = setInterval(() => {
    rss().then((mb) => (rssMaxMb = Math.max(rssMaxMb, mb)), () => undefined);
  }, 250);
  let sent = 0;
  let nextLog = 10_000;
  let attackersUsed = 0;
  try {
    for (let r = 0; r < rooms; r++) {
      const host = await rawMember(url, (client) => client.create(RoomName.Game, { name: `host${r}`, maxPlayers: 16 }));
      const peer = await rawMember(url, (client) => client.joinById(host.welcome.code, { name: `peer${r}` }));
      honest.push(host, peer);
      codes.push(host.welcome.code);
      pingPongs.push(startPingPong(host, peer));
    }
    const victims = honest.map((m) => m.id);
    /** One attacker: joins a room, sends until disconnected (or the frames run out). */
    const attack = async (): Promise<void> => {
      while (sent < frames) {
        attackersUsed++;
        let mallory: RawMember;
        try {
          mallory = await rawMember(url, (client: Client) => client.joinById(source.pick(codes), { name: 'mallory' }));
        } catch (error) {
          log(`attacker could not join: ${(error as Error).message}`);
          await new Promise((r) => setTimeout(r, 50));
          continue;
        }
        while (sent < frames && mallory.closedWith === undefined) {
          for (let burst = 0; burst < 10 && sent < frames; burst++, sent++) {
            try {
              mallory.sendRaw(hostileFrame(source, victims));
            } catch {
              break; // the socket closed under us: this attacker is done
            }
          }
          await new Promise((r) => setTimeout(r, 5));
        }
        if (mallory.closedWith === undefined) await mallory.room.leave(true).catch(() => undefined);
        if (sent >= nextLog) {
          log(`${sent} frames`);
          nextLog += 10_000;
        }
      }
    };
    await Promise.all(Array.from({ length: attackers }, attack));
    // The honest players are still served after the storm.
    await Promise.all(pingPongs.map((p) => p.more(3, 'honest round trips after the fuzzing')));
  } finally {
    clearInterval(sampler);
    for (const p of pingPongs) p.stop();
  }
  const alive = server.child.exitCode === null && (await fetch(`${url}/healthz`).then((r) => r.ok, () => false));
  const rejected: Record<string, number> = {};
  for (const reason of ['invalid', 'unknown_type', 'too_large', 'undecodable', 'rate_limited', 'signal_target']) {
    rejected[reason] = alive ? await server.metric('rallypoint_messages_rejected_total', `reason="${reason}"`) : NaN;
  }
  const disconnectedForAbuse = alive ? await server.metric('rallypoint_clients_disconnected_for_abuse_total') : NaN;
  const rssEndMb = alive ? await rss() : NaN;
  await Promise.all(honest.map((m) => m.room.leave(true).catch(() => undefined)));
  const escapes = server.takeEscapes();
  await server.stop();
  const trips = pingPongs.flatMap((p) => p.roundTrips);
  return {
    frames: sent,
    attackersUsed,
    serverAlive: alive,
    escapes,
    rssStartMb: round(rssStartMb, 1),
    rssMaxMb: round(rssMaxMb, 1),
    rssEndMb: round(rssEndMb, 1),
    honestRoundTrips: trips.length,
    honestP50Ms: round(percentile(trips, 50), 2),
    honestP99Ms: round(percentile(trips, 99), 2),
    honestMaxMs: round(trips.reduce((worst, ms) => Math.max(worst, ms), 0), 2),
    rejected,
    disconnectedForAbuse,
    seconds: round((performance.now() - started) / 1000, 1),
  };
}
