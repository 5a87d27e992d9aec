/**
 * One round of Gem Rush over a room session. The host runs the rules (SyncHost) and tells
 * everyone about pickups and the end on the events lane; each client predicts its own avatar and
 * interpolates the rest (SyncClient). Both sides expose the same view for the game scene.
 */
import { createSeededRandom } from '@rallypoint/core';
import type { RoomSession } from '@rallypoint/lobby';
import { HOST_PLAYER, SyncClient, SyncHost, Ticker, stateChannel, type EntityOf } from '@rallypoint/sync';
import { COUNTDOWN_MS, GEMS_ON_FIELD, GEM_RADIUS, Kind, ROUND_MS, SNAPSHOT_RATE_HZ, TICK_RATE_HZ, isMoveInput, move, spawnPoint, touches, ARENA, type MoveInput, type Position } from '../rules.js';
import { CONTEST_RADIUS, GemContests, type Touch } from '../contest.js';
import { FIRST_GEM_ID, snapshotSchema, type DemoTypes, type GameEvents } from './protocol.js';

type Entity = EntityOf<typeof snapshotSchema.fields>;

interface HostWorld {
  /** `seenAt`: the host time its player was looking at when making the move that brought it here. */
  players: Map<string, { slot: number; position: Position; seenAt: number }>;
  gems: Map<number, Entity>;
  scores: Map<string, number>;
  nextGemId: number;
}

export interface MatchView {
  /** Everything to draw, by entity id: players are slot + 1, gems from 100. */
  entities: Map<number, Entity>;
  /** This page's own entity id. */
  myEntity: number;
  scores: Record<string, number>;
  slots: Record<string, number>;
  /** Until the round starts (the countdown); 0 once it has. */
  countdownMs: number;
  /** Of the round itself (the countdown not counted). */
  remainingMs: number;
}

export interface MatchEvents {
  pickup: (event: GameEvents['pickup']) => void;
  over: (scores: Record<string, number>, note?: string) => void;
  left: (id: string) => void;
  /** A bad message between host and client (counted and dropped by the netcode). */
  error: (error: Error, peerId?: string) => void;
}

export interface MatchStats {
  ticksPerSecond: number;
  snapshotsPerSecond: number;
  /** A client's interpolation: how far back it draws the others, where that is heading, and the share of recent frames that ran out of snapshots. */
  interpolation?: { delayMs: number; targetDelayMs: number; extrapolatedPct: number };
  /** The host's: inputs whose claimed view time was beyond the lag compensation's cap. */
  clampedViews?: number;
}

const now = () => performance.now();
const STILL: MoveInput = { dx: 0, dy: 0 };

export class Match {
  readonly slots: Record<string, number>;
  #scores: Record<string, number> = {};
  readonly #goAtHostMs: number;
  readonly #endsAtHostMs: number;
  #input: MoveInput = { dx: 0, dy: 0 };
  #host: SyncHost<typeof snapshotSchema.fields, MoveInput, HostWorld> | undefined;
  #client: SyncClient<typeof snapshotSchema.fields, MoveInput, Position> | undefined;
  #inputTicker: Ticker | undefined;
  #loop: ReturnType<typeof setInterval> | undefined;
  #over = false;
  readonly #offs: (() => void)[] = [];
  readonly #counters = { ticks: 0, snapshots: 0, since: now() };
  #stats: MatchStats = { ticksPerSecond: 0, snapshotsPerSecond: 0 };

  private constructor(
    readonly session: RoomSession<DemoTypes>,
    start: GameEvents['start'],
    private readonly on: MatchEvents,
  ) {
    this.slots = start.slots;
    this.#goAtHostMs = start.goAtHostMs;
    this.#endsAtHostMs = start.endsAtHostMs;
    for (const id of Object.keys(start.slots)) this.#scores[id] = 0;
  }

  /** The host starts a round with everyone in the room now, after a countdown. */
  static host(session: RoomSession<DemoTypes>, on: MatchEvents, roundMs = ROUND_MS, countdownMs = COUNTDOWN_MS): Match {
    const slots: Record<string, number> = {};
    session.members.slice(0, 4).forEach((m, i) => (slots[m.id] = i));
    const goAtHostMs = now() + countdownMs;
    const start = { slots, goAtHostMs, endsAtHostMs: goAtHostMs + roundMs, seed: Math.floor(Math.random() * 2 ** 31) };
    const match = new Match(session, start, on);
    match.#startHost(start);
    session.emit('start', start);
    return match;
  }

  /** A client joins the round the host announced. */
  static join(session: RoomSession<DemoTypes>, start: GameEvents['start'], on: MatchEvents): Match {
    const match = new Match(session, start, on);
    match.#startClient();
    return match;
  }

  get isHost(): boolean {
    return this.#host !== undefined;
  }

  get stats(): MatchStats {
    return this.#stats;
  }

  /** This page's intent for the coming ticks. */
  setInput(input: MoveInput): void {
    this.#input = input;
  }

  /** Call once per rendered frame. */
  view(): MatchView {
    const myEntity = (this.slots[this.session.me.id] ?? 0) + 1;
    this.#countRates();
    const times = this.#times();
    if (this.#host !== undefined) return { entities: entitiesOf(this.#host.world), myEntity, scores: { ...this.#scores }, slots: this.slots, ...times };
    const { entities, me } = this.#client!.frame();
    if (me !== undefined) entities.set(myEntity, { x: me.x, y: me.y, kind: Kind.Player });
    return { entities, myEntity, scores: { ...this.#scores }, slots: this.slots, ...times };
  }

  /** The countdown and the round's time left, on the host's clock. */
  #times(): Pick<MatchView, 'countdownMs' | 'remainingMs'> {
    const hostNow = this.#client?.hostNow() ?? now();
    return { countdownMs: Math.max(0, this.#goAtHostMs - hostNow), remainingMs: Math.max(0, this.#endsAtHostMs - Math.max(hostNow, this.#goAtHostMs)) };
  }

  /** Stop everything this match runs (timers, listeners); the session stays. */
  stop(): void {
    this.#over = true;
    clearInterval(this.#loop);
    for (const off of this.#offs.splice(0)) off();
    this.#client?.close();
  }

  #startHost(start: GameEvents['start']): void {
    const random = createSeededRandom(start.seed);
    const world: HostWorld = { players: new Map(), gems: new Map(), scores: new Map(), nextGemId: FIRST_GEM_ID };
    for (const [id, slot] of Object.entries(start.slots)) world.players.set(id, { slot, position: spawnPoint(slot), seenAt: now() });
    const contests = new GemContests();
    const me = this.session.me.id;
    const spawnGems = () => {
      while (world.gems.size < GEMS_ON_FIELD) {
        const kind = random() < 0.15 ? Kind.GoldGem : Kind.Gem;
        world.gems.set(world.nextGemId++, { x: GEM_RADIUS * 3 + random() * (ARENA.width - GEM_RADIUS * 6), y: GEM_RADIUS * 3 + random() * (ARENA.height - GEM_RADIUS * 6), kind });
      }
    };
    spawnGems();
    const host = new SyncHost<typeof snapshotSchema.fields, MoveInput, HostWorld>({
      schema: snapshotSchema,
      tickRateHz: TICK_RATE_HZ,
      snapshotRateHz: SNAPSHOT_RATE_HZ,
      now,
      world,
      validateInput: isMoveInput,
      onError: (peerId, error) => this.on.error(error, peerId),
      entities: entitiesOf,
      // Contested gems are judged at each player's view time (contest.ts); a claimed view time
      // is taken no further back than 250 ms.
      lagCompensation: {},
      step: (w, inputs, dtMs, _tick, seen) => {
        this.#counters.ticks++;
        // The countdown: nobody moves, no gem goes.
        if (now() < this.#goAtHostMs) return w;
        for (const [peer, list] of inputs) {
          const player = w.players.get(peer === HOST_PLAYER ? me : peer);
          if (player === undefined) continue;
          // The host's own avatar moves every tick by the current intent (it sees the world as it
          // is); peers by their inputs, each made looking at the host's past.
          for (const input of peer === HOST_PLAYER ? [this.#input] : list) player.position = move(player.position, input, dtMs);
          player.seenAt = peer === HOST_PLAYER ? now() : (seen.get(peer)?.at(-1) ?? player.seenAt);
        }
        for (const [gemId, gem] of w.gems) {
          const touching: Touch[] = [];
          let near = 0;
          for (const [id, player] of w.players) {
            if (touches(player.position, gem)) touching.push({ player: id, seenAt: player.seenAt });
            if (touches(player.position, gem, CONTEST_RADIUS)) near++;
          }
          const winner = contests.judge(gemId, touching, near > 1, now());
          if (winner === undefined) continue;
          w.gems.delete(gemId);
          const value = gem.kind === Kind.GoldGem ? 3 : 1;
          this.#scores[winner] = (this.#scores[winner] ?? 0) + value;
          const event = { by: winner, value, scores: { ...this.#scores }, x: gem.x, y: gem.y, contested: near > 1 };
          this.session.emit('pickup', event);
          this.on.pickup(event);
        }
        spawnGems();
        if (!this.#over && now() >= this.#endsAtHostMs) this.#finish();
        return w;
      },
    });
    this.#host = host;
    for (const [peerId, link] of this.session.links) if (peerId in start.slots) host.addPeer(peerId, stateChannel(link));
    this.#offs.push(
      this.session.on('linkClose', ({ peerId }) => this.#playerGone(peerId)),
      this.session.on('memberLeft', ({ member }) => this.#playerGone(member.id)),
    );
    this.#loop = setInterval(() => host.update(), 4);
  }

  #startClient(): void {
    const myEntity = (this.slots[this.session.me.id] ?? 0) + 1;
    const link = this.session.links.get(this.session.hostId);
    if (link === undefined) throw new Error('no link to the host');
    const client = new SyncClient<typeof snapshotSchema.fields, MoveInput, Position>({
      schema: snapshotSchema,
      now,
      channel: stateChannel(link),
      onError: (error) => this.on.error(error, this.session.hostId),
      prediction: { entityId: myEntity, initial: spawnPoint(myEntity - 1), step: move, dtMs: 1000 / TICK_RATE_HZ, smooth: ['x', 'y'], fromEntity: (e) => ({ x: e.x, y: e.y }) },
    });
    this.#client = client;
    this.#inputTicker = new Ticker({
      tickRateHz: TICK_RATE_HZ,
      onTick: () => {
        this.#counters.ticks++;
        // Still during the countdown, as the host will have it.
        client.input(this.#times().countdownMs > 0 ? STILL : this.#input);
      },
    });
    // Inputs go out at the tick rate even when frames are slow or the tab is in the background.
    this.#loop = setInterval(() => this.#inputTicker?.advance(now()), 8);
    this.#offs.push(
      link.events.on('pickup', (event) => {
        this.#scores = { ...event.scores };
        this.on.pickup(event);
      }),
      link.events.on('gameover', ({ scores }) => {
        this.#scores = { ...scores };
        this.#over = true;
        this.on.over(scores);
      }),
      link.events.on('left', ({ id }) => this.on.left(id)),
      this.session.on('linkClose', ({ peerId }) => {
        if (peerId === this.session.hostId && !this.#over) {
          this.#over = true;
          this.on.over(this.#scores, 'The host left, so the round ended.');
        }
      }),
    );
  }

  #playerGone(id: string): void {
    const world = this.#host?.world;
    if (world === undefined || !world.players.has(id)) return;
    world.players.delete(id);
    this.#host?.removePeer(id);
    this.session.emit('left', { id });
    this.on.left(id);
  }

  #finish(): void {
    this.#over = true;
    this.session.emit('gameover', { scores: { ...this.#scores } });
    this.on.over({ ...this.#scores });
  }

  #countRates(): void {
    const elapsed = now() - this.#counters.since;
    if (elapsed < 1000) return;
    const snapshots = this.#client?.stats.snapshots ?? this.#host?.stats.snapshotsSent ?? 0;
    const interpolator = this.#client?.interpolator;
    this.#stats = {
      ticksPerSecond: (this.#counters.ticks * 1000) / elapsed,
      snapshotsPerSecond: ((snapshots - this.#counters.snapshots) * 1000) / elapsed,
      ...(interpolator === undefined ? {} : { interpolation: { delayMs: interpolator.delayMs, targetDelayMs: interpolator.targetDelayMs, extrapolatedPct: interpolator.extrapolatedPct } }),
      ...(this.#host === undefined ? {} : { clampedViews: this.#host.stats.clampedViews }),
    };
    this.#counters.ticks = 0;
    this.#counters.snapshots = snapshots;
    this.#counters.since = now();
  }
}

function entitiesOf(world: HostWorld): Map<number, Entity> {
  const out = new Map<number, Entity>();
  for (const { slot, position } of world.players.values()) out.set(slot + 1, { x: position.x, y: position.y, kind: Kind.Player });
  for (const [id, gem] of world.gems) out.set(id, gem);
  return out;
}
