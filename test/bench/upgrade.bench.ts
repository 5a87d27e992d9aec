/**
 * relay.upgrade: relay first against waiting for the direct connection, in one run. Two Node
 * players (node-datachannel) in a room of the real server (its own process, default relay budget),
 * alternating: once with the defaults (the link opens on the lobby relay and moves to its direct
 * connection once that is confirmed) and once with `link: { relayFirst: false }` (the link waits
 * for its direct connection). A sends 60 Hz state (100 B) and an event every 10 ms from the moment
 * its link exists. Reported: B's join resolved → B's first event from A (each way of starting),
 * the move's delay, the bytes the server relayed for the pair before the move, and events lost or
 * doubled across the move.
 */
import type { Link } from '@rallypoint/core';
import { createLobby, type RoomSession } from '@rallypoint/lobby/node';
import { startServer, type ServerProcess } from '../helpers/lobby-server.js';
import { alternate, percentile, round, sleep, type Scenario } from './harness.js';

type Game = { events: { n: { n: number } }; state: Uint8Array };

const PAIRS = 20;
const LOAD_FLAGS = ['--connections-per-address', '0', '--matchmake-per-address', '0', '--creates-per-address', '0'];
const quiet = { debug: () => undefined, warn: () => undefined };

interface Run {
  firstEventMs: number;
  /** Open → the move to the direct connection (NaN: it did not move, or started direct). */
  moveMs: number;
  /** Bytes both sides sent through the relay, by the time the events stopped. */
  relayedBytes: number;
  lost: number;
  doubled: number;
  openedOn: string;
  endedOn: string;
}

async function onePair(server: ServerProcess, relayFirst: boolean): Promise<Run> {
  const lobby = () => createLobby<Game>({ url: server.url, logger: quiet, link: { relayFirst } });
  const a = await lobby().create({ name: 'a' });
  const sessions: RoomSession<Game>[] = [a];
  const timers: Array<ReturnType<typeof setInterval>> = [];
  try {
    // A starts sending to B the moment its link to B exists (queued until it opens).
    const linkA = new Promise<Link<Game>>((resolve) => {
      a.on('memberJoined', (member) => {
        const link = a.links.get(member.id)!;
        let n = 0;
        const state = new Uint8Array(100);
        timers.push(
          setInterval(() => link.status !== 'closed' && link.events.emit('n', { n: n++ }), 10),
          setInterval(() => link.status === 'open' && link.state.send(state), 16),
        );
        resolve(link);
      });
    });
    const b = await lobby().join(a.code, { name: 'b' });
    sessions.push(b);
    const joinedAt = performance.now();
    const got: number[] = [];
    let firstAt = NaN;
    const listen = (link: Link<Game>) =>
      link.events.on('n', ({ n }) => {
        if (got.length === 0) firstAt = performance.now();
        got.push(n);
      });
    const existing = b.links.get(a.me.id);
    const linkB = existing ?? (await new Promise<Link<Game>>((resolve) => b.on('linkOpen', ({ link }) => resolve(link))));
    listen(linkB);
    const la = await linkA;
    let openedAt = NaN;
    let movedAt = NaN;
    let openedOn = '';
    la.once('open', ({ transport }) => ((openedAt = performance.now()), (openedOn = transport)));
    if (la.status === 'open') ((openedAt = performance.now()), (openedOn = la.transport ?? ''));
    la.on('transportChanged', ({ transport }) => transport === 'p2p' && Number.isNaN(movedAt) && (movedAt = performance.now()));
    const deadline = performance.now() + 15_000;
    // Until the first event, then a second more (the move happens in it), then stop and settle.
    while (got.length === 0 && performance.now() < deadline) await sleep(5);
    const settleUntil = performance.now() + 1500;
    while (performance.now() < settleUntil) await sleep(20);
    for (const timer of timers.splice(0)) clearInterval(timer);
    await sleep(300);
    const seen = new Set(got);
    const max = got.length === 0 ? -1 : Math.max(...got);
    return {
      firstEventMs: firstAt - joinedAt,
      moveMs: movedAt - openedAt,
      relayedBytes: la.stats().relaySentBytes + linkB.stats().relaySentBytes,
      lost: max + 1 - seen.size,
      doubled: got.length - seen.size,
      openedOn,
      endedOn: la.transport ?? 'closed',
    };
  } finally {
    for (const timer of timers) clearInterval(timer);
    await Promise.all(sessions.map((s) => s.leave()));
  }
}

const upgrade: Scenario = {
  name: 'relay.upgrade',
  description: `${PAIRS} Node pairs each way, alternating: relay first (default) vs relayFirst: false; B joined → first event from A, the move, bytes relayed before it at 60 Hz state + 100 events/s, events lost/doubled`,
  async run() {
    const server = await startServer(LOAD_FLAGS, {}, 'info');
    try {
      const first: Run[] = [];
      const waiting: Run[] = [];
      await alternate(2, async () => void (await onePair(server, true)), async () => void (await onePair(server, false))); // warm-up
      await alternate(PAIRS, async () => void first.push(await onePair(server, true)), async () => void waiting.push(await onePair(server, false)));
      const p = (runs: Run[], pick: (run: Run) => number, q: number) => percentile(runs.map(pick).filter((x) => !Number.isNaN(x)), q);
      const firstP50 = p(first, (r) => r.firstEventMs, 50);
      const waitingP50 = p(waiting, (r) => r.firstEventMs, 50);
      return {
        first_event_ms_p50: round(firstP50, 1),
        first_event_ms_max: round(p(first, (r) => r.firstEventMs, 100), 1),
        waiting_first_event_ms_p50: round(waitingP50, 1),
        waiting_first_event_ms_max: round(p(waiting, (r) => r.firstEventMs, 100), 1),
        ratio_first_event_p50: round(firstP50 / waitingP50),
        opened_on_relay_pct: round((100 * first.filter((r) => r.openedOn === 'relay').length) / first.length, 1),
        moved_to_p2p_pct: round((100 * first.filter((r) => r.endedOn === 'p2p').length) / first.length, 1),
        move_ms_p50: round(p(first, (r) => r.moveMs, 50), 1),
        move_ms_max: round(p(first, (r) => r.moveMs, 100), 1),
        relayed_kb_per_pair_p50: round(p(first, (r) => r.relayedBytes, 50) / 1000, 1),
        relayed_kb_per_pair_max: round(p(first, (r) => r.relayedBytes, 100) / 1000, 1),
        events_lost: [...first, ...waiting].reduce((sum, r) => sum + r.lost, 0),
        events_doubled: [...first, ...waiting].reduce((sum, r) => sum + r.doubled, 0),
      };
    } finally {
      await server.stop();
    }
  },
};

export const upgradeScenarios: Scenario[] = [upgrade];
