/**
 * Driving the demo like a player: the read-only `window.rallypointDemo` handle says what each
 * page shows; keys and buttons do the rest.
 */
import type { GamePage } from './browsers.js';
import { deadline } from './wait.js';

export interface DemoState {
  scene: string;
  code?: string;
  me?: string;
  hostId?: string;
  members: { id: string; name: string; ready: boolean }[];
  links: { id: string; status: string; candidateType: string | null; transport: string | null; stateBytesIn: number }[];
  entities: Record<string, { x: number; y: number; kind: number }>;
  myEntity?: number;
  /** Until the round starts; 0 once it has (undefined outside a round). */
  countdownMs?: number;
  sound?: { muted: boolean; unlocked: boolean; played: number; skipped: number };
  banner?: string;
  /** What Phaser draws with: 'webgl', or 'canvas' where WebGL would be software. */
  renderer?: string;
  slots: Record<string, number>;
  scores: Record<string, number>;
  voice?: { active: boolean; sending: boolean; muted: boolean; pushToTalk: boolean; hearing: string[]; volumes: Record<string, number>; speaking: string[] };
  /** The netcode's figures the debug overlay shows (a client's interpolation; the host's clamped view times). */
  netcode?: { ticksPerSecond: number; snapshotsPerSecond: number; interpolation?: { delayMs: number; targetDelayMs: number; extrapolatedPct: number }; clampedViews?: number };
}

const NOT_LOADED: DemoState = { scene: 'not-loaded', members: [], links: [], entities: {}, slots: {}, scores: {} };

/** The demo's state; while the page is navigating (the overlay's "connect" reloads it), as not loaded. */
export function demoState(page: GamePage): Promise<DemoState> {
  return readDemoState(page).catch((error: unknown) => {
    if (/Execution context was destroyed|navigation/i.test(String((error as Error)?.message))) return NOT_LOADED;
    throw error;
  });
}

function readDemoState(page: GamePage): Promise<DemoState> {
  return page.evaluate(() => {
    const d = (globalThis as unknown as { rallypointDemo?: DemoState }).rallypointDemo;
    if (d === undefined) return { scene: 'not-loaded', members: [], links: [], entities: {}, slots: {}, scores: {} };
    return JSON.parse(JSON.stringify({ scene: d.scene, code: d.code, me: d.me, hostId: d.hostId, members: d.members, links: d.links, entities: d.entities, myEntity: d.myEntity, countdownMs: d.countdownMs, sound: d.sound, banner: d.banner, renderer: d.renderer, slots: d.slots, scores: d.scores, voice: d.voice, netcode: d.netcode })) as DemoState;
  });
}

/** Poll the page until `check` holds. */
export async function until(page: GamePage, check: (state: DemoState) => boolean, what: string, timeoutMs = 15_000): Promise<DemoState> {
  const end = Date.now() + deadline(timeoutMs);
  let state = await demoState(page);
  while (!check(state)) {
    if (Date.now() > end) throw new Error(`${page.label}: timed out waiting until ${what} (scene ${state.scene}, ${state.members.length} members)`);
    await new Promise((r) => setTimeout(r, 50));
    state = await demoState(page);
  }
  return state;
}

/** Steer this page's avatar by keyboard to gems until its score goes up. */
export async function collectAGem(page: GamePage, timeoutMs = 20_000): Promise<DemoState> {
  const state = await chaseGems(page, (s) => s.me !== undefined && (s.scores[s.me] ?? 0) > 0, Date.now() + deadline(timeoutMs));
  if (state === undefined) throw new Error(`${page.label}: collected no gem in time`);
  return state;
}

/**
 * Steer this page's avatar by keyboard to the nearest gem, again and again, until `done` holds
 * (resolves with that state) or the clock passes `endAt` (resolves undefined). Keys are let go.
 */
export async function chaseGems(page: GamePage, done: (state: DemoState) => boolean, endAt: number): Promise<DemoState | undefined> {
  const held = new Set<string>();
  const hold = async (keys: string[]) => {
    for (const key of [...held]) if (!keys.includes(key)) (await page.keyUp(key), held.delete(key));
    for (const key of keys) if (!held.has(key)) (await page.keyDown(key), held.add(key));
  };
  try {
    for (;;) {
      const state = await demoState(page);
      if (done(state)) return state;
      if (Date.now() > endAt) return undefined;
      const me = state.entities[String(state.myEntity)];
      const gems = Object.entries(state.entities).filter(([id]) => Number(id) >= 100).map(([, e]) => e);
      if (me !== undefined && gems.length > 0) {
        const target = gems.reduce((best, g) => (Math.hypot(g.x - me.x, g.y - me.y) < Math.hypot(best.x - me.x, best.y - me.y) ? g : best));
        const keys: string[] = [];
        if (target.x - me.x > 6) keys.push('ArrowRight');
        if (target.x - me.x < -6) keys.push('ArrowLeft');
        if (target.y - me.y > 6) keys.push('ArrowDown');
        if (target.y - me.y < -6) keys.push('ArrowUp');
        await hold(keys);
      }
      await new Promise((r) => setTimeout(r, 30));
    }
  } finally {
    await hold([]);
  }
}

/**
 * Both pages show the same score for `memberId`, at least `atLeast`. Polled on both: the avatar
 * can pick up one more gem after the check that saw the first (inputs still in flight).
 */
export async function sameScore(a: GamePage, b: GamePage, memberId: string, atLeast: number, timeoutMs = 5000): Promise<number> {
  const end = Date.now() + deadline(timeoutMs);
  for (;;) {
    const [sa, sb] = await Promise.all([demoState(a), demoState(b)]);
    const [x, y] = [sa.scores[memberId] ?? 0, sb.scores[memberId] ?? 0];
    if (x === y && x >= atLeast) return x;
    if (Date.now() > end) throw new Error(`scores for ${memberId} differ: ${a.label} ${x}, ${b.label} ${y} (expected at least ${atLeast})`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * The usual way into a round: `host` creates a room (the page at `path`), `guest` opens the
 * invite link and readies, the host starts. Resolves with the guest's first view of the game.
 */
export async function startRound(host: GamePage, guest: GamePage, origin: string, path = '/'): Promise<DemoState> {
  await host.goto(`${origin}${path}`);
  await host.click('Create room');
  const { code } = await until(host, (s) => s.scene === 'room' && s.code !== undefined, `${host.label} is in a room`);
  await guest.goto(`${origin}/?room=${code}`);
  await until(guest, (s) => s.scene === 'room' && s.members.length === 2, `${guest.label} joined from the link`);
  await until(host, (s) => s.members.length === 2, `${host.label} sees ${guest.label}`);
  await guest.click('Ready');
  await until(host, (s) => s.members.some((m) => m.ready), `${host.label} sees ${guest.label} ready`);
  await host.click('Start');
  return until(guest, (s) => s.scene === 'game' && Object.keys(s.entities).length >= 2, `${guest.label} is in the game`);
}

/**
 * Two rounds with a third player: `host` creates a room (rounds of `roundSeconds`), `guest` joins
 * by the invite link, then `third` joins by it too while they wait in the room; both ready, the
 * host starts; the guest picks up a gem; everyone sees the same results; the host starts a
 * rematch in the same room and everyone plays it to its results again.
 */
export async function twoRoundsWithAThird(host: GamePage, guest: GamePage, third: GamePage, origin: string, roundSeconds = 10): Promise<{ first: DemoState; second: DemoState }> {
  const players = [host, guest, third];
  await host.goto(`${origin}/?round=${roundSeconds}`);
  await host.click('Create room');
  const { code } = await until(host, (s) => s.scene === 'room' && s.code !== undefined, `${host.label} is in a room`);
  await guest.goto(`${origin}/?room=${code}`);
  await until(host, (s) => s.members.length === 2, `${host.label} sees ${guest.label}`);
  // The host opens the QR code for a phone; the room redraws as players come and ready, and it stays open.
  await host.evaluate(() => document.querySelector<HTMLElement>('.qr-box summary')!.click());
  await guest.click('Ready');
  await third.goto(`${origin}/?room=${code}`);
  await until(third, (s) => s.scene === 'room' && s.members.length === 3, `${third.label} joined from the link mid-lobby`);
  await third.click('Ready');
  await until(host, (s) => s.members.length === 3 && s.members.filter((m) => m.ready).length === 2, `${host.label} sees both ready`);
  if (!(await host.evaluate(() => document.querySelector<HTMLDetailsElement>('.qr-box')?.open === true))) throw new Error(`${host.label}'s QR code closed while players joined and readied`);
  await host.click('Start');
  await Promise.all(players.map((p) => until(p, (s) => s.scene === 'game' && Object.keys(s.slots).length === 3, `${p.label} is in the round`)));
  await collectAGem(guest);
  const results = async () => {
    const over = await Promise.all(players.map((p) => until(p, (s) => s.scene === 'game-over', `${p.label} sees the results`, (roundSeconds + 15) * 1000)));
    const scores = await Promise.all(players.map((p) => p.evaluate(() => (globalThis as unknown as { rallypointDemo: { lastScores: unknown } }).rallypointDemo.lastScores)));
    for (const s of scores.slice(1)) if (JSON.stringify(s) !== JSON.stringify(scores[0])) throw new Error(`the results differ: ${JSON.stringify(scores)}`);
    return over[1]!;
  };
  const first = await results();
  await host.click('Rematch');
  await Promise.all(players.map((p) => until(p, (s) => s.scene === 'game', `${p.label} is in the rematch`)));
  const second = await results();
  return { first, second };
}
