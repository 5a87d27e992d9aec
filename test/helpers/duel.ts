/**
 * A shooter and a strafing target, for lag compensation: the host steps a target sweeping across
 * x; the client fires whenever its drawn target crosses its aim (and now and then when not), and
 * the host judges each shot twice: at the shooter's view time (`rewind`) and where the target is
 * when the shot arrives (naive). Driven by a simulated clock in tests and by real time in
 * `npm run bench -- sync.lagcomp`.
 */
import { SyncClient, SyncHost, defineSchema, type StateChannel } from '@rallypoint/sync';

const schema = defineSchema({ x: { type: 'fixed', precision: 0.01 }, y: { type: 'fixed', precision: 0.01 } });
type Pos = { x: number; y: number };
type Shot = { id: number; aimX: number } | null;

const SHOOTER = 1;
const TARGET = 2;
/** The target sweeps across x at up to 600 units a second, back and forth (an action game's strafe). */
const targetAt = (t: number): Pos => ({ x: 300 * Math.sin(t / 500), y: 0 });
/** Half the target's width: a shot within it of the target's x hits. */
const RADIUS = 12;
/** Where the shooter aims: it fires when its drawn target crosses one of them. */
const AIMS = [-240, -120, 0, 120, 240];

export interface Verdicts {
  shots: number;
  /** Shots the shooter's screen showed as hits. */
  seenHits: number;
  /** Of those, the ones the host judged hits at the shooter's view time. */
  compensated: number;
  /** Of those, the ones the host judged hits where the target was when the shot arrived. */
  naive: number;
  /** Shots the shooter saw miss that the host, rewinding, judged hits. */
  wrongHits: number;
}

export interface Duel {
  host: SyncHost<typeof schema.fields, Shot, Map<number, Pos>>;
  client: SyncClient<typeof schema.fields, Shot, Pos>;
  verdicts: Verdicts;
  /** One client frame: draw, maybe fire, send the input. Firing starts at `shootFromMs`. */
  frame(): void;
}

export function duel(now: () => number, hostChannel: StateChannel, clientChannel: StateChannel, shootFromMs: number): Duel {
  const verdicts: Verdicts = { shots: 0, seenHits: 0, compensated: 0, naive: 0, wrongHits: 0 };
  // Each shot as the shooter saw it, a hit or not, by id (an input lost with every copy of it is never judged).
  const seen = new Map<number, boolean>();
  const host: Duel['host'] = new SyncHost({
    schema,
    now,
    world: new Map([[SHOOTER, { x: 0, y: 100 }], [TARGET, targetAt(now())]]),
    lagCompensation: {},
    step: (world, inputs, _dt, _tick, views) => {
      const at = views.get('shooter') ?? [];
      (inputs.get('shooter') ?? []).forEach((shot, i) => {
        if (shot === null) return;
        const sawHit = seen.get(shot.id)!;
        const hitThen = Math.abs(host.rewind(at[i]!).get(TARGET)!.x - shot.aimX) <= RADIUS;
        verdicts.shots++;
        if (!sawHit) {
          if (hitThen) verdicts.wrongHits++;
          return;
        }
        verdicts.seenHits++;
        if (hitThen) verdicts.compensated++;
        if (Math.abs(world.get(TARGET)!.x - shot.aimX) <= RADIUS) verdicts.naive++;
      });
      world.set(TARGET, targetAt(now()));
      return world;
    },
    entities: (world) => world,
  });
  host.addPeer('shooter', hostChannel);
  const client: Duel['client'] = new SyncClient({
    schema,
    now,
    channel: clientChannel,
    prediction: { entityId: SHOOTER, initial: { x: 0, y: 100 }, step: (p) => p, dtMs: 1000 / 60, fromEntity: (e) => e },
  });
  let cooldown = 0;
  let misses = 0;
  return {
    host,
    client,
    verdicts,
    frame() {
      const drawn = client.frame().entities.get(TARGET);
      let shot: Shot = null;
      if (drawn !== undefined && now() >= shootFromMs && --cooldown <= 0) {
        const onTarget = AIMS.find((aimX) => Math.abs(drawn.x - aimX) <= RADIUS / 2);
        // Now and then a shot off target too.
        const aimX = onTarget ?? (++misses % 90 === 0 ? AIMS[misses % AIMS.length]! : undefined);
        if (aimX !== undefined) {
          shot = { id: seen.size, aimX };
          seen.set(shot.id, Math.abs(drawn.x - aimX) <= RADIUS);
          cooldown = 6;
        }
      }
      client.input(shot);
    },
  };
}
