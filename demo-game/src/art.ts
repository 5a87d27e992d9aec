/**
 * Gem Rush's art, drawn in code at start-up and kept as textures: nothing is fetched, and the
 * licence is the repository's. `makeTextures` runs once per game (the textures outlive scenes).
 */
import type * as Phaser from 'phaser';
import { ARENA, GEM_RADIUS, PLAYER_COLORS, PLAYER_RADIUS } from './rules.js';

/** Texture keys. */
export const Art = {
  floor: 'floor',
  shadow: 'shadow',
  eyes: 'eyes',
  pupils: 'pupils',
  gem: 'gem',
  goldGem: 'gem-gold',
  sparkle: 'sparkle',
  target: 'target',
  player: (slot: number) => `player-${slot % PLAYER_COLORS.length}`,
  /** A round spark in a colour: drawn coloured, since Phaser's Canvas renderer does not tint. */
  spark: (color: number) => `spark-${color.toString(16)}`,
} as const;

/** A player's colour by slot. */
export const colorOf = (slot: number): number => PLAYER_COLORS[slot % PLAYER_COLORS.length] ?? 0xffffff;
/** A colour as CSS. */
export const cssHex = (color: number): string => `#${color.toString(16).padStart(6, '0')}`;
/** A player's colour by slot, as CSS. */
export const cssColorOf = (slot: number): string => cssHex(colorOf(slot));

/** Colours sparks come in: the gems', white, and each player's. */
export const GEM_SPARK = 0x80ffdb;
export const GOLD_SPARK = 0xffd166;
const SPARK_COLORS = [GEM_SPARK, GOLD_SPARK, 0xffffff, ...PLAYER_COLORS];

const OUTLINE = 0x0b132b;
export const WALL = 14;

export function makeTextures(scene: Phaser.Scene): void {
  if (scene.textures.exists(Art.floor)) return;
  const g = scene.make.graphics({}, false);
  const draw = (key: string, width: number, height: number, paint: () => void) => {
    g.clear();
    paint();
    g.generateTexture(key, width, height);
  };

  // The arena: a tiled floor with a faint pattern, and a bevelled wall around it.
  draw(Art.floor, ARENA.width, ARENA.height, () => {
    const tile = 48;
    for (let y = 0; y < ARENA.height; y += tile) {
      for (let x = 0; x < ARENA.width; x += tile) {
        g.fillStyle((x / tile + y / tile) % 2 === 0 ? 0x1b2a4e : 0x1e2f55).fillRect(x, y, tile, tile);
        g.fillStyle(0x243763, 0.5).fillRect(x + 2, y + 2, tile - 4, 2);
      }
    }
    g.fillStyle(0x0e1a33).fillRect(0, 0, ARENA.width, WALL).fillRect(0, ARENA.height - WALL, ARENA.width, WALL);
    g.fillRect(0, 0, WALL, ARENA.height).fillRect(ARENA.width - WALL, 0, WALL, ARENA.height);
    g.lineStyle(3, 0x3a5a99).strokeRect(WALL - 1.5, WALL - 1.5, ARENA.width - 2 * WALL + 3, ARENA.height - 2 * WALL + 3);
    g.lineStyle(2, 0x000000, 0.35).strokeRect(WALL + 2, WALL + 2, ARENA.width - 2 * WALL - 4, ARENA.height - 2 * WALL - 4);
  });

  draw(Art.shadow, PLAYER_RADIUS * 2 + 8, 14, () => g.fillStyle(0x000000, 0.35).fillEllipse(PLAYER_RADIUS + 4, 7, PLAYER_RADIUS * 2 + 4, 12));

  // Players: a round body in the slot's colour, a dark outline that reads on any floor, a shine.
  const size = PLAYER_RADIUS * 2 + 8;
  PLAYER_COLORS.forEach((color, slot) =>
    draw(Art.player(slot), size, size, () => {
      const c = size / 2;
      g.fillStyle(OUTLINE).fillCircle(c, c, PLAYER_RADIUS + 3);
      g.fillStyle(color).fillCircle(c, c, PLAYER_RADIUS);
      g.fillStyle(0x000000, 0.18).fillCircle(c + 3, c + 4, PLAYER_RADIUS - 4);
      g.fillStyle(color).fillCircle(c - 1, c - 1, PLAYER_RADIUS - 5);
      g.fillStyle(0xffffff, 0.55).fillCircle(c - 7, c - 8, 4);
    }),
  );
  // Eyes (whites) and pupils: drawn apart, so the pupils can look where the player heads.
  draw(Art.eyes, 24, 14, () => g.fillStyle(0xffffff).fillEllipse(6, 7, 10, 13).fillEllipse(18, 7, 10, 13));
  draw(Art.pupils, 20, 8, () => g.fillStyle(OUTLINE).fillCircle(4, 4, 3).fillCircle(16, 4, 3));

  // Gems: a cut stone with a light and a dark half, and a gold one a size up.
  const gem = (key: string, r: number, light: number, mid: number, dark: number) =>
    draw(key, r * 2 + 6, r * 2 + 10, () => {
      const cx = r + 3;
      const top = 3;
      const girdle = top + r * 0.7;
      const bottom = r * 2 + 7;
      poly(g, [cx - r - 2, girdle, cx - r * 0.55, top - 2, cx + r * 0.55, top - 2, cx + r + 2, girdle, cx, bottom + 2], OUTLINE);
      poly(g, [cx - r, girdle, cx - r * 0.5, top, cx + r * 0.5, top, cx + r, girdle], mid);
      poly(g, [cx - r * 0.5, top, cx, girdle, cx + r * 0.5, top], light);
      poly(g, [cx - r, girdle, cx + r, girdle, cx, bottom], mid);
      poly(g, [cx, girdle, cx + r, girdle, cx, bottom], dark);
      g.fillStyle(0xffffff, 0.8).fillCircle(cx - r * 0.45, girdle - 2, 1.6);
    });
  gem(Art.gem, GEM_RADIUS, 0xc8fff0, 0x80ffdb, 0x2bb594);
  gem(Art.goldGem, GEM_RADIUS + 3, 0xfff1c1, 0xffd166, 0xd99a1e);

  // A four-pointed twinkle, a round spark for particles, and the tap-to-move marker.
  draw(Art.sparkle, 16, 16, () => {
    poly(g, [8, 0, 9.5, 6.5, 16, 8, 9.5, 9.5, 8, 16, 6.5, 9.5, 0, 8, 6.5, 6.5], 0xffffff);
  });
  for (const color of SPARK_COLORS) draw(Art.spark(color), 8, 8, () => g.fillStyle(color).fillCircle(4, 4, 4));
  draw(Art.target, 28, 28, () => g.lineStyle(3, 0xffffff, 0.7).strokeCircle(14, 14, 11));
  g.destroy();
}

/** Fill a polygon given as x, y pairs. */
function poly(g: Phaser.GameObjects.Graphics, xy: number[], color: number, alpha = 1): void {
  g.fillStyle(color, alpha).beginPath().moveTo(xy[0]!, xy[1]!);
  for (let i = 2; i < xy.length; i += 2) g.lineTo(xy[i]!, xy[i + 1]!);
  g.closePath().fillPath();
}
