/**
 * What the game scene draws of the arena: the floor, players (a body in the slot's colour, eyes
 * that look where the player heads, a bob while walking, a name tag, the speaking ring) and gems
 * (a float, a twinkle, a pop on arrival), and the juice of a pickup (sparks and a score pop).
 */
import * as Phaser from 'phaser';
import { Art, GEM_SPARK, GOLD_SPARK, cssColorOf } from '../art.js';
import type { MatchView } from '../net/match.js';
import { Kind, PLAYER_RADIUS } from '../rules.js';

interface PlayerSprite {
  root: Phaser.GameObjects.Container;
  body: Phaser.GameObjects.Image;
  eyes: Phaser.GameObjects.Image;
  pupils: Phaser.GameObjects.Image;
  ring: Phaser.GameObjects.Graphics;
  last: { x: number; y: number };
  facing: { x: number; y: number };
  walk: number;
}

const FONT = 'system-ui, sans-serif';

export class ArenaView {
  readonly #players = new Map<number, PlayerSprite>();
  readonly #gems = new Map<number, Phaser.GameObjects.Image>();
  /** One emitter per spark colour, made when first needed. */
  readonly #sparks = new Map<number, Phaser.GameObjects.Particles.ParticleEmitter>();
  #twinkleAt = 0;

  constructor(
    private readonly scene: Phaser.Scene,
    private readonly nameOf: (entity: number) => string,
  ) {
    scene.add.image(0, 0, Art.floor).setOrigin(0, 0).setDepth(-10);
  }

  /** Draw a frame of the view; `speaking`: the entities whose speaking ring shows. */
  draw(view: MatchView, time: number, speaking: ReadonlySet<number>): void {
    const seen = new Set<number>();
    for (const [id, e] of view.entities) {
      seen.add(id);
      if (e.kind === Kind.Player) this.#drawPlayer(id, e, id === view.myEntity, speaking.has(id), time);
      else this.#drawGem(id, e, e.kind === Kind.GoldGem, time);
    }
    for (const [id, sprite] of this.#players) if (!seen.has(id)) (sprite.root.destroy(), this.#players.delete(id));
    for (const [id, gem] of this.#gems) if (!seen.has(id)) (gem.destroy(), this.#gems.delete(id));
    this.#twinkle(time);
  }

  /** Sparks and a score pop where a gem went, in the colour of who took it. */
  pickup(at: { x: number; y: number }, value: number, slot: number): void {
    this.#emitter(value > 1 ? GOLD_SPARK : GEM_SPARK).explode(value > 1 ? 26 : 16, at.x, at.y);
    const pop = this.scene.add.text(at.x, at.y - 10, `+${value}`, { fontFamily: FONT, fontSize: value > 1 ? '30px' : '24px', fontStyle: 'bold', color: cssColorOf(slot), stroke: '#0b132b', strokeThickness: 5 }).setOrigin(0.5).setDepth(30);
    this.scene.tweens.add({ targets: pop, y: at.y - 60, alpha: 0, scale: 1.4, duration: 800, ease: 'Cubic.easeOut', onComplete: () => pop.destroy() });
  }

  #emitter(color: number): Phaser.GameObjects.Particles.ParticleEmitter {
    let emitter = this.#sparks.get(color);
    if (emitter === undefined) {
      emitter = this.scene.add.particles(0, 0, Art.spark(color), {
        speed: { min: 80, max: 260 },
        lifespan: { min: 300, max: 650 },
        scale: { start: 0.9, end: 0 },
        alpha: { start: 1, end: 0.2 },
        gravityY: 200,
        emitting: false,
      });
      emitter.setDepth(20);
      this.#sparks.set(color, emitter);
    }
    return emitter;
  }

  #drawPlayer(id: number, at: { x: number; y: number }, mine: boolean, speaking: boolean, time: number): void {
    const sprite = this.#players.get(id) ?? this.#newPlayer(id, at, mine);
    const dx = at.x - sprite.last.x;
    const dy = at.y - sprite.last.y;
    const moved = Math.hypot(dx, dy);
    sprite.last = { x: at.x, y: at.y };
    // Under 0.3 units a frame is standing still (the last tenths of an interpolated stop).
    const walking = moved > 0.3;
    if (walking) {
      // Facing eases toward the heading, so a jittery path does not make the eyes twitch.
      sprite.facing = { x: sprite.facing.x * 0.7 + (dx / moved) * 0.3, y: sprite.facing.y * 0.7 + (dy / moved) * 0.3 };
      sprite.walk += moved;
    }
    const bob = walking ? Math.abs(Math.sin(sprite.walk * 0.12)) * 4 : Math.sin(time * 0.004) * 0.8;
    const squash = walking ? 1 + Math.sin(sprite.walk * 0.24) * 0.05 : 1;
    sprite.root.setPosition(at.x, at.y).setDepth(at.y);
    sprite.body.setPosition(0, -bob).setScale(squash, 2 - squash);
    const { x: fx, y: fy } = sprite.facing;
    sprite.eyes.setPosition(fx * 6, -bob - 3 + fy * 5);
    sprite.pupils.setPosition(fx * 8.5, -bob - 3 + fy * 7);
    sprite.ring.setVisible(speaking);
  }

  #newPlayer(id: number, at: { x: number; y: number }, mine: boolean): PlayerSprite {
    const slot = id - 1;
    const scene = this.scene;
    const shadow = scene.add.image(0, PLAYER_RADIUS - 2, Art.shadow);
    const body = scene.add.image(0, 0, Art.player(slot));
    const eyes = scene.add.image(0, 0, Art.eyes);
    const pupils = scene.add.image(0, 0, Art.pupils);
    const ring = scene.add.graphics().lineStyle(3, 0xb5e48c).strokeCircle(0, 0, PLAYER_RADIUS + 9).setVisible(false);
    const label = mine ? `${this.nameOf(id)} (you)` : this.nameOf(id);
    const name = scene.add.text(0, -PLAYER_RADIUS - 18, label, { fontFamily: FONT, fontSize: '14px', fontStyle: mine ? 'bold' : 'normal', color: '#ffffff', stroke: '#0b132b', strokeThickness: 4 }).setOrigin(0.5);
    // Your own avatar stands in a white ring.
    const you = scene.add.graphics().lineStyle(2, 0xffffff, 0.85).strokeEllipse(0, PLAYER_RADIUS - 2, PLAYER_RADIUS * 2 + 12, 16).setVisible(mine);
    const root = scene.add.container(at.x, at.y, [you, shadow, ring, body, eyes, pupils, name]);
    const sprite: PlayerSprite = { root, body, eyes, pupils, ring, last: { ...at }, facing: { x: 0, y: 1 }, walk: 0 };
    this.#players.set(id, sprite);
    return sprite;
  }

  #drawGem(id: number, at: { x: number; y: number }, gold: boolean, time: number): void {
    let gem = this.#gems.get(id);
    if (gem === undefined) {
      gem = this.scene.add.image(at.x, at.y, gold ? Art.goldGem : Art.gem).setScale(0);
      this.scene.tweens.add({ targets: gem, scale: 1, duration: 350, ease: 'Back.easeOut' });
      this.#gems.set(id, gem);
    }
    // Each gem floats on its own phase.
    gem.setPosition(at.x, at.y - 3 + Math.sin(time * 0.004 + id) * 3).setDepth(at.y - 1);
  }

  /** Now and then a twinkle on a gem. */
  #twinkle(time: number): void {
    if (time < this.#twinkleAt || this.#gems.size === 0) return;
    this.#twinkleAt = time + 180 + Math.random() * 260;
    const gems = [...this.#gems.values()];
    const gem = gems[Math.floor(Math.random() * gems.length)]!;
    const star = this.scene.add.image(gem.x + (Math.random() - 0.5) * 14, gem.y - 4 + (Math.random() - 0.5) * 14, Art.sparkle).setScale(0).setDepth(gem.depth + 1);
    this.scene.tweens.add({ targets: star, scale: 0.9, angle: 90, yoyo: true, duration: 260, onComplete: () => star.destroy() });
  }
}
