// The README's lag compensation example, compiled by the tests. What it calls of the game's own
// code is declared here, outside the region the README shows.
declare function moveAll(world: Map<number, { x: number; y: number }>, inputs: ReadonlyMap<string, readonly unknown[]>, dtMs: number): void;
declare function hit(targetId: number, shooterId: string): void;

// #region readme
import { SyncHost, defineSchema, type EntityOf } from '@rallypoint/sync';

const schema = defineSchema({ x: { type: 'fixed', precision: 0.01 }, y: { type: 'fixed', precision: 0.01 } });
type Input = { dx: number; dy: number; fire?: { x: number; y: number } };
const HIT_RADIUS = 16;

const host = new SyncHost<typeof schema.fields, Input, Map<number, EntityOf<typeof schema.fields>>>({
  schema,
  world: new Map(),
  now: () => performance.now(),
  entities: (world) => world,
  // Keep the worlds sent; a player may take the host back 250 ms at most (a claim beyond is clamped).
  lagCompensation: { maxRewindMs: 250 },
  // `seen`: for each input, the host time of the frame its player was looking at.
  step: (world, inputs, dtMs, _tick, seen) => {
    for (const [playerId, list] of inputs) {
      list.forEach((input, i) => {
        if (input.fire === undefined) return;
        // Everyone where this player saw them when firing, not where they are now.
        for (const [id, then] of host.rewind(seen.get(playerId)![i]!)) {
          if (Math.hypot(then.x - input.fire.x, then.y - input.fire.y) < HIT_RADIUS) hit(id, playerId);
        }
      });
    }
    moveAll(world, inputs, dtMs);
    return world;
  },
});
// #endregion
export { host };
