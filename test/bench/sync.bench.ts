/**
 * Sync benchmarks:
 * - sync.snapshot: bytes per snapshot of one world as JSON, msgpackr, msgpackr with pre-shared
 *   structures, @colyseus/schema's own delta encoding of the same changes, and ours; and encode +
 *   decode time, ours beside JSON;
 * - sync.quality: a host and a client over real in-process links through the link conditioner
 *   (100 ms RTT, 20 ms jitter, 5% loss): how far what the client draws is from the truth, ours
 *   beside a naive client that draws the newest snapshot it has;
 * - sync.lagcomp: the same links at 100 ms RTT and 30 ms jitter, a shooter and a strafing target
 *   (test/helpers/duel.ts): of the shots the shooter saw hit, the share the host judges hits with
 *   lag compensation, beside judging where the target is when the shot arrives.
 */
import { Encoder, MapSchema, schema as colyseusSchema } from '@colyseus/schema';
import { Packr, pack } from 'msgpackr';
import { createLink, createSeededRandom, type Link } from '@rallypoint/core/node';
import { SnapshotDecoder, SnapshotEncoder, SyncClient, SyncHost, defineSchema, dequantizeWorld, quantizeWorld, stateChannel, type EntityOf } from '@rallypoint/sync';
import { duel } from '../helpers/duel.js';
import { percentile, round, sleep, type Scenario } from './harness.js';

const schema = defineSchema({
  x: { type: 'fixed', precision: 0.01 },
  y: { type: 'fixed', precision: 0.01 },
  vx: { type: 'fixed', precision: 0.01 },
  vy: { type: 'fixed', precision: 0.01 },
  angle: { type: 'angle', bits: 8 },
  hp: { type: 'int' },
  flags: { type: 'flags', bits: 8 },
});
type Entity = EntityOf<typeof schema.fields>;

/**
 * 300 ticks of a 32-entity world where a quarter of the entities move each tick: a different
 * quarter each tick, or (`steady`) the same eight, as players who keep moving.
 */
function scriptedWorlds(steady = false): Map<number, Entity>[] {
  const random = createSeededRandom(2024);
  const world = new Map<number, Entity>();
  for (let id = 0; id < 32; id++) {
    world.set(id, { x: random() * 1000, y: random() * 1000, vx: random() * 200 - 100, vy: random() * 200 - 100, angle: random() * Math.PI * 2, hp: 100, flags: 0 });
  }
  const worlds: Map<number, Entity>[] = [];
  for (let tick = 0; tick < 300; tick++) {
    const shuffled = [...world.keys()].sort(() => random() - 0.5);
    const ids = steady ? [0, 1, 2, 3, 4, 5, 6, 7] : shuffled.slice(0, 8);
    for (const id of ids) {
      const e = world.get(id)!;
      const turn = random() < 0.1;
      const vx = turn ? random() * 200 - 100 : e.vx;
      const vy = turn ? random() * 200 - 100 : e.vy;
      world.set(id, { ...e, x: e.x + vx / 60, y: e.y + vy / 60, vx, vy, angle: Math.atan2(vy, vx) + Math.PI, hp: random() < 0.05 ? e.hp - 10 : e.hp, flags: random() < 0.05 ? (e.flags ^ 1) : e.flags });
    }
    worlds.push(new Map([...world].map(([id, e]) => [id, { ...e }])));
  }
  return worlds;
}

const toArray = (world: Map<number, Entity>) => [...world].map(([id, e]) => ({ id, ...e }));

const snapshot: Scenario = {
  name: 'sync.snapshot',
  description: '32 entities, 25% moving per tick, 300 ticks: bytes per snapshot and encode+decode time',
  async run() {
    const worlds = scriptedWorlds();
    const average = (sizes: number[]) => sizes.reduce((a, b) => a + b, 0) / sizes.length;
    const json = average(worlds.map((w) => JSON.stringify(toArray(w)).length));
    const msgpack = average(worlds.map((w) => pack(toArray(w)).byteLength));
    const packr = new Packr({ structures: [['id', 'x', 'y', 'vx', 'vy', 'angle', 'hp', 'flags']], maxSharedStructures: 1 });
    const structures = average(worlds.map((w) => packr.pack(toArray(w)).byteLength));

    // @colyseus/schema: the same changes applied to a MapSchema, its own encode() of the patch.
    const ColyEntity = colyseusSchema({ x: 'float32', y: 'float32', vx: 'float32', vy: 'float32', angle: 'float32', hp: 'int16', flags: 'uint8' });
    const ColyWorld = colyseusSchema({ entities: { map: ColyEntity } });
    const state = new ColyWorld() as unknown as { entities: MapSchema<Record<string, number>> };
    const encoder = new Encoder(state as never);
    const colyseusSizes: number[] = [];
    for (const w of worlds) {
      for (const [id, e] of w) {
        let entity = state.entities.get(String(id));
        if (entity === undefined) {
          entity = new ColyEntity() as unknown as Record<string, number>;
          state.entities.set(String(id), entity);
        }
        for (const [k, v] of Object.entries(e)) if (entity[k] !== Math.fround(v)) entity[k] = v;
      }
      colyseusSizes.push(encoder.encode().byteLength);
      encoder.discardChanges();
    }
    const colyseus = average(colyseusSizes);

    // Ours, the receiver acknowledging each snapshot (as over a loss-free lane).
    const ours = new SnapshotEncoder(schema);
    const decoder = new SnapshotDecoder(schema);
    const ourSizes: number[] = [];
    // What the state lane carries for each: the link's frame [State, seq, sentAtUs, message] around
    // SyncHost's message [hostTimeMs, echoedClientTimeMs, heldMs, lastInputSeq, snapshot], encoded
    // as the link encodes it, with times as a page's performance.now() gives them.
    const linkPackr = new Packr({ structures: [], maxSharedStructures: 0 });
    const messageSizes: number[] = [];
    let hostTime = 123_456.789;
    for (const [tick, w] of worlds.entries()) {
      const encoded = ours.encode(quantizeWorld(schema, w));
      ourSizes.push(encoded.bytes.byteLength);
      hostTime += 1000 / 60;
      const message = [hostTime, hostTime - 51.37, 3.4, 1000 + tick, encoded.bytes];
      messageSizes.push(linkPackr.pack([16, 5000 + tick, Math.round(hostTime * 1000) % 2 ** 32, message]).byteLength);
      decoder.decode(encoded.bytes);
      ours.ack(encoded.id);
    }
    const oursBytes = average(ourSizes);
    // The same, with the movers moving every tick (where a change is predicted from the one before).
    const steadyEncoder = new SnapshotEncoder(schema);
    const steadySizes = scriptedWorlds(true).map((w) => {
      const encoded = steadyEncoder.encode(quantizeWorld(schema, w));
      steadyEncoder.ack(encoded.id);
      return encoded.bytes.byteLength;
    });

    // Time: ours (quantize, encode, decode, dequantize, ack) against JSON (stringify, parse).
    const timeOurs = () => {
      const enc = new SnapshotEncoder(schema);
      const dec = new SnapshotDecoder(schema);
      const t0 = performance.now();
      for (const w of worlds) {
        const encoded = enc.encode(quantizeWorld(schema, w));
        dequantizeWorld(schema, dec.decode(encoded.bytes).world);
        enc.ack(encoded.id);
      }
      return ((performance.now() - t0) * 1000) / worlds.length;
    };
    const timeJson = () => {
      const t0 = performance.now();
      for (const w of worlds) JSON.parse(JSON.stringify(toArray(w)));
      return ((performance.now() - t0) * 1000) / worlds.length;
    };
    const oursUs: number[] = [];
    const jsonUs: number[] = [];
    for (let i = 0; i < 40; i++) {
      oursUs.push(timeOurs());
      jsonUs.push(timeJson());
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
    const oursT = median(oursUs.slice(10));
    const jsonT = median(jsonUs.slice(10));
    return {
      json_bytes: round(json, 1),
      msgpack_bytes: round(msgpack, 1),
      structures_bytes: round(structures, 1),
      colyseus_schema_bytes: round(colyseus, 1),
      ours_bytes: round(oursBytes, 1),
      ours_message_bytes: round(average(messageSizes), 1),
      ours_steady_movers_bytes: round(average(steadySizes), 1),
      ratio_vs_json: round(oursBytes / json),
      ratio_vs_colyseus: round(oursBytes / colyseus),
      ours_us: round(oursT, 1),
      json_us: round(jsonT, 1),
      speed_ratio: round(oursT / jsonT),
    };
  },
};

type Input = { dx: number; dy: number };
type Pos = { x: number; y: number };
const posSchema = defineSchema({ x: { type: 'fixed', precision: 0.01 }, y: { type: 'fixed', precision: 0.01 } });
const SPEED = 0.2;
const move = (p: Pos, i: Input, dt: number): Pos => ({ x: p.x + i.dx * SPEED * dt, y: p.y + i.dy * SPEED * dt });

async function conditionedPair(state = { latencyMs: 50, jitterMs: 20, loss: 0.05 }): Promise<{ host: Link; client: Link }> {
  const conditions = { seed: 5, state };
  const host = createLink({ initiator: true, conditions });
  const client = createLink({ initiator: false, conditions: { ...conditions, seed: 6 } });
  host.on('signal', (d) => client.signal(d));
  client.on('signal', (d) => host.signal(d));
  await Promise.all([new Promise((r) => host.once('open', r)), new Promise((r) => client.once('open', r))]);
  return { host, client };
}

const QUALITY_MS = 20_000;

const quality: Scenario = {
  name: 'sync.quality',
  description: `host + client over conditioned links (100 ms RTT, 20 ms jitter, 5% loss), ${QUALITY_MS / 1000} s: drawn vs true position (at the time drawn, and now) and path jerk, ours vs naive`,
  async run() {
    const links = await conditionedPair();
    const now = () => performance.now();
    const t0 = now();
    const BOT = 2;
    // The bot: a circle with a zigzag across it (a triangle wave: sharp turns every 150 ms, as a
    // player on a keyboard makes them). Continuous: nothing teleports.
    const zigzag = (u: number) => 4 * Math.abs(u - Math.floor(u + 0.5)) - 1;
    const bot = (t: number): Pos => ({ x: 200 * Math.cos(t / 1000) + 40 * zigzag(t / 300), y: 200 * Math.sin(t / 1000) });
    const history: { t: number; p: Pos }[] = [];
    const host = new SyncHost<typeof posSchema.fields, Input, Map<number, Pos>>({
      schema: posSchema,
      now,
      tickRateHz: 60,
      snapshotRateHz: 30,
      world: new Map([[1, { x: 0, y: 0 }], [BOT, bot(0)]]),
      step: (world, inputs, dt) => {
        for (const input of inputs.get('client') ?? []) world.set(1, move(world.get(1)!, input, dt));
        const p = bot(now() - t0);
        world.set(BOT, p);
        history.push({ t: now(), p });
        return world;
      },
      entities: (world) => world,
    });
    host.addPeer('client', stateChannel(links.host));
    const client = new SyncClient<typeof posSchema.fields, Input, Pos>({
      schema: posSchema,
      now,
      channel: stateChannel(links.client),
      prediction: { entityId: 1, initial: { x: 0, y: 0 }, step: move, dtMs: 1000 / 60, smooth: ['x', 'y'], fromEntity: (e) => e },
    });
    const truthAt = (t: number): Pos | undefined => {
      const i = history.findIndex((h) => h.t > t);
      if (i <= 0) return undefined;
      const a = history[i - 1]!;
      const b = history[i]!;
      const k = (t - a.t) / (b.t - a.t);
      return { x: a.p.x + (b.p.x - a.p.x) * k, y: a.p.y + (b.p.y - a.p.y) * k };
    };
    // Per frame: squared error against the truth at the time drawn, and against the truth now.
    const ours = { displayed: [] as number[], now: [] as number[], path: [] as Pos[] };
    const naive = { displayed: [] as number[], now: [] as number[], path: [] as Pos[] };
    let extrapolated = 0;
    const ages: number[] = [];
    const delays: number[] = [];
    const sq = (a: Pos, b: Pos) => (a.x - b.x) ** 2 + (a.y - b.y) ** 2;
    const random = createSeededRandom(9);
    let input: Input = { dx: 1, dy: 0 };
    const hostLoop = setInterval(() => host.update(), 4);
    const inputs = setInterval(() => {
      if (random() < 0.03) input = { dx: Math.round(random() * 2 - 1), dy: Math.round(random() * 2 - 1) };
      client.input(input);
    }, 1000 / 60);
    await sleep(2000); // clock sync and the delay settle
    const correctionStart = client.predictor!.correctionTotal;
    const measureFrom = now();
    const frames = setInterval(() => {
      const { entities, renderHostTimeMs } = client.frame();
      const truth = truthAt(renderHostTimeMs);
      // Host and client share one clock here: the truth now is the host's position now.
      const truthNow = bot(now() - t0);
      const drawn = entities.get(BOT);
      const newest = client.newest.get(BOT);
      const newestTruth = truthAt(client.newestHostTimeMs);
      if (truth === undefined || newestTruth === undefined || drawn === undefined || newest === undefined) return;
      if (client.interpolator.extrapolatedMs > 0) extrapolated++;
      ages.push(client.hostNow() - client.newestHostTimeMs);
      delays.push(client.interpolator.delayMs);
      ours.displayed.push(sq(drawn, truth));
      ours.now.push(sq(drawn, truthNow));
      ours.path.push(drawn);
      // The naive client shows the newest snapshot: it is exact for that snapshot's time.
      naive.displayed.push(sq(newest, newestTruth));
      naive.now.push(sq(newest, truthNow));
      naive.path.push(newest);
    }, 1000 / 60);
    await sleep(QUALITY_MS);
    clearInterval(hostLoop);
    clearInterval(inputs);
    clearInterval(frames);
    const seconds = (now() - measureFrom) / 1000;
    const correctionPerS = (client.predictor!.correctionTotal - correctionStart) / seconds;
    links.host.close();
    links.client.close();
    const rms = (xs: number[]) => Math.sqrt(xs.reduce((a, b) => a + b, 0) / xs.length);
    // Jerkiness of what is drawn: the RMS of the second difference of positions, frame to frame
    // (0 for motion at a constant velocity; large for a path that stops and jumps).
    const jerk = (path: Pos[]) => rms(path.slice(2).map((p, i) => sq({ x: p.x - 2 * path[i + 1]!.x + path[i]!.x, y: p.y - 2 * path[i + 1]!.y + path[i]!.y }, { x: 0, y: 0 })));
    return {
      error_vs_displayed_time_ours: round(rms(ours.displayed)),
      error_vs_displayed_time_naive: round(rms(naive.displayed)),
      error_vs_now_ours: round(rms(ours.now)),
      error_vs_now_naive: round(rms(naive.now)),
      error_vs_now_ratio: round(rms(ours.now) / rms(naive.now)),
      path_jerk_ours: round(jerk(ours.path)),
      path_jerk_naive: round(jerk(naive.path)),
      path_jerk_ratio: round(jerk(ours.path) / jerk(naive.path)),
      correction_per_s: round(correctionPerS),
      frames: ours.displayed.length,
      delay_ms: round(client.interpolator.delayMs, 1),
      // The adaptive delay over the run (it follows the jitter: see interpolation.ts).
      delay_p50_ms: round(percentile(delays, 50), 1),
      delay_p95_ms: round(percentile(delays, 95), 1),
      clock_rtt_ms: round(client.clock.rttMs ?? NaN, 1),
      // Host and client share one clock here, so the estimated offset is the clock sync's error.
      clock_error_ms: round(client.clock.offsetMs(now()), 2),
      extrapolated_pct: round((100 * extrapolated) / ours.displayed.length, 1),
      // How old the newest snapshot is at a frame: what the delay is chosen from.
      snapshot_age_p50_ms: round(percentile(ages, 50), 1),
      snapshot_age_p95_ms: round(percentile(ages, 95), 1),
    };
  },
};

const LAGCOMP_MS = 30_000;

const lagcomp: Scenario = {
  name: 'sync.lagcomp',
  description: `a shooter and a strafing target over conditioned links (100 ms RTT, 30 ms jitter, 2% loss), ${LAGCOMP_MS / 1000} s: shots the shooter saw hit that the host judges hits, at the shooter's view time (lag compensation) and where the target is when the shot arrives (naive)`,
  async run() {
    const links = await conditionedPair({ latencyMs: 50, jitterMs: 30, loss: 0.02 });
    const now = () => performance.now();
    const game = duel(now, stateChannel(links.host), stateChannel(links.client), now() + 2000);
    const hostLoop = setInterval(() => game.host.update(), 4);
    const frames = setInterval(() => game.frame(), 1000 / 60);
    await sleep(LAGCOMP_MS);
    clearInterval(hostLoop);
    clearInterval(frames);
    links.host.close();
    links.client.close();
    const { shots, seenHits, compensated, naive, wrongHits } = game.verdicts;
    return {
      shots,
      seen_hits: seenHits,
      hit_agreement_pct: round((100 * compensated) / seenHits, 1),
      naive_hit_agreement_pct: round((100 * naive) / seenHits, 1),
      // Shots the shooter saw miss that the host called hits with lag compensation.
      wrong_hits: wrongHits,
      clamped_views: game.host.stats.clampedViews,
      delay_ms: round(game.client.interpolator.delayMs, 1),
    };
  },
};

export const syncScenarios = [snapshot, quality, lagcomp];
