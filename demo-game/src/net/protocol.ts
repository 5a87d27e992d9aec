/** The demo's own messages on the events lane, and its snapshot schema. */
import { defineSchema } from '@rallypoint/sync';

export interface GameEvents extends Record<string, unknown> {
  /**
   * Host → all: a round starts. Slots give each member its color and spawn. Nobody moves and no
   * gem goes before `goAtHostMs` (the countdown); the round ends at `endsAtHostMs`.
   */
  start: { slots: Record<string, number>; goAtHostMs: number; endsAtHostMs: number; seed: number };
  /** Host → all: somebody picked up a gem, where, and whether another player was reaching for it too. */
  pickup: { by: string; value: number; scores: Record<string, number>; x: number; y: number; contested: boolean };
  /** Host → all: the round is over. */
  gameover: { scores: Record<string, number> };
  /** Host → all: a player left the match. */
  left: { id: string };
}

export type DemoTypes = { events: GameEvents; state: unknown };

/** Entities: players (id = slot + 1) and gems (id ≥ 100), to a tenth of a unit. */
export const snapshotSchema = defineSchema({
  x: { type: 'fixed', precision: 0.1 },
  y: { type: 'fixed', precision: 0.1 },
  kind: { type: 'flags', bits: 2 },
});
export const FIRST_GEM_ID = 100;
