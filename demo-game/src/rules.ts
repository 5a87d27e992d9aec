/**
 * Gem Rush's rules, pure and shared: the host runs them authoritatively, clients run `move` to
 * predict their own avatar. Positions in arena units (the arena is ARENA.width × ARENA.height).
 */
export const ARENA = { width: 960, height: 540 } as const;
export const PLAYER_RADIUS = 18;
export const GEM_RADIUS = 10;
/** Units per millisecond. */
export const PLAYER_SPEED = 0.26;
export const ROUND_MS = 60_000;
/** 3, 2, 1, go: the countdown before a round, when nobody moves. */
export const COUNTDOWN_MS = 3000;
export const GEMS_ON_FIELD = 6;
export const MAX_PLAYERS = 4;
export const TICK_RATE_HZ = 60;
export const SNAPSHOT_RATE_HZ = 30;
export const PLAYER_COLORS = [0x4cc9f0, 0xf72585, 0xb5e48c, 0xffd166] as const;

/** One tick of intent: a direction, each axis in [-1, 1]. */
export interface MoveInput {
  dx: number;
  dy: number;
}

export interface Position {
  x: number;
  y: number;
}

/** Entity kinds in snapshots. */
export const Kind = { Player: 0, Gem: 1, GoldGem: 2 } as const;

export function isMoveInput(input: unknown): input is MoveInput {
  const i = input as MoveInput | null;
  return typeof i === 'object' && i !== null && Number.isFinite(i.dx) && Number.isFinite(i.dy) && Math.abs(i.dx) <= 1 && Math.abs(i.dy) <= 1;
}

export function move(position: Position, input: MoveInput, dtMs: number): Position {
  const length = Math.hypot(input.dx, input.dy);
  const scale = length > 1 ? 1 / length : 1;
  const x = position.x + input.dx * scale * PLAYER_SPEED * dtMs;
  const y = position.y + input.dy * scale * PLAYER_SPEED * dtMs;
  return {
    x: Math.min(ARENA.width - PLAYER_RADIUS, Math.max(PLAYER_RADIUS, x)),
    y: Math.min(ARENA.height - PLAYER_RADIUS, Math.max(PLAYER_RADIUS, y)),
  };
}

/** Where slot n starts: the four corners' insides. */
export function spawnPoint(slot: number): Position {
  // Clear of the scoreboard in the top-left corner.
  const inset = 120;
  const corners = [
    { x: inset, y: inset },
    { x: ARENA.width - inset, y: ARENA.height - inset },
    { x: ARENA.width - inset, y: inset },
    { x: inset, y: ARENA.height - inset },
  ];
  return corners[slot % corners.length] as Position;
}

export function touches(a: Position, b: Position, distance = PLAYER_RADIUS + GEM_RADIUS): boolean {
  return (a.x - b.x) ** 2 + (a.y - b.y) ** 2 <= distance * distance;
}

/**
 * Proximity voice: full volume within VOICE_NEAR of each other, falling to VOICE_FLOOR at
 * VOICE_FAR and beyond (faint, never silent: a player across the arena can still call out).
 */
export const VOICE_NEAR = 160;
export const VOICE_FAR = 800;
export const VOICE_FLOOR = 0.1;

/** The volume of a player's voice at `distance` arena units. */
export function voiceVolume(distance: number): number {
  const t = Math.min(1, Math.max(0, (distance - VOICE_NEAR) / (VOICE_FAR - VOICE_NEAR)));
  return 1 - t * (1 - VOICE_FLOOR);
}
