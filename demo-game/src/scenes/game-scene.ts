import * as Phaser from 'phaser';
import type { DemoContext } from '../context.js';
import { ARENA, GEM_RADIUS, Kind, PLAYER_COLORS, PLAYER_RADIUS, voiceVolume, type MoveInput } from '../rules.js';
import { SceneKey } from '../scene-keys.js';

/** The round: draw what the match says, feed it keyboard and pointer intent. */
export class GameScene extends Phaser.Scene {
  #graphics!: Phaser.GameObjects.Graphics;
  #hud!: Phaser.GameObjects.Text;
  #timer!: Phaser.GameObjects.Text;
  #names = new Map<number, Phaser.GameObjects.Text>();
  #keys!: Record<'up' | 'down' | 'left' | 'right' | 'w' | 'a' | 's' | 'd', Phaser.Input.Keyboard.Key>;

  constructor(private readonly ctx: DemoContext) {
    super(SceneKey.Game);
  }

  create(): void {
    this.ctx.scene = SceneKey.Game;
    this.ctx.ui.hide();
    this.#names.clear();
    this.#graphics = this.add.graphics();
    this.#hud = this.add.text(12, 8, '', { fontFamily: 'system-ui, sans-serif', fontSize: '18px', color: '#ffffff' });
    this.#timer = this.add.text(ARENA.width - 12, 8, '', { fontFamily: 'system-ui, sans-serif', fontSize: '22px', color: '#ffd166' }).setOrigin(1, 0);
    const k = Phaser.Input.Keyboard.KeyCodes;
    const keyboard = this.input.keyboard!;
    this.#keys = {
      up: keyboard.addKey(k.UP),
      down: keyboard.addKey(k.DOWN),
      left: keyboard.addKey(k.LEFT),
      right: keyboard.addKey(k.RIGHT),
      w: keyboard.addKey(k.W),
      a: keyboard.addKey(k.A),
      s: keyboard.addKey(k.S),
      d: keyboard.addKey(k.D),
    };
    const session = this.ctx.session!;
    const nameOf = (id: string) => session.members.find((m) => m.id === id)?.name ?? 'someone';
    this.ctx.matchListener = {
      pickup: ({ by, value }) => this.#flash(`${nameOf(by)} +${value}`),
      left: (id) => this.ctx.ui.toast(`${nameOf(id)} left the game.`),
      over: (scores, note) => {
        this.ctx.lastScores = Object.entries(scores)
          .map(([id, score]) => ({ name: nameOf(id), score, color: PLAYER_COLORS[(this.ctx.match?.slots[id] ?? 0) % PLAYER_COLORS.length] ?? 0xffffff }))
          .sort((a, b) => b.score - a.score);
        this.ctx.endNote = note;
        this.scene.start(SceneKey.GameOver);
      },
    };
    this.events.once(Phaser.Scenes.Events.SHUTDOWN, () => {
      this.ctx.matchListener = undefined;
      // Out of the arena, everyone is heard at full volume again.
      for (const member of session.members) session.voice.setVolume(member.id, 1);
    });
  }

  override update(): void {
    const match = this.ctx.match;
    if (match === undefined) return;
    const view = match.view();
    match.setInput(this.#intent(view.entities.get(view.myEntity)));
    this.ctx.lastView = view;
    const g = this.#graphics;
    g.clear();
    g.lineStyle(4, 0x37474f).strokeRect(2, 2, ARENA.width - 4, ARENA.height - 4);
    const slotOwner = new Map(Object.entries(view.slots).map(([id, slot]) => [slot + 1, id]));
    const seen = new Set<number>();
    for (const [id, e] of view.entities) {
      if (e.kind === Kind.Player) {
        seen.add(id);
        const color = PLAYER_COLORS[(id - 1) % PLAYER_COLORS.length] ?? 0xffffff;
        g.fillStyle(color).fillCircle(e.x, e.y, PLAYER_RADIUS);
        if (id === view.myEntity) g.lineStyle(3, 0xffffff).strokeCircle(e.x, e.y, PLAYER_RADIUS + 3);
        const owner = slotOwner.get(id);
        if (owner !== undefined) this.#voice(owner, e, view.entities.get(view.myEntity), id === view.myEntity);
        this.#nameTag(id, owner).setPosition(e.x, e.y - PLAYER_RADIUS - 14);
      } else {
        const gold = e.kind === Kind.GoldGem;
        g.fillStyle(gold ? 0xffd166 : 0x80ffdb).fillCircle(e.x, e.y, gold ? GEM_RADIUS + 3 : GEM_RADIUS);
      }
    }
    for (const [id, tag] of this.#names) if (!seen.has(id)) tag.setVisible(false);
    const session = this.ctx.session!;
    this.#hud.setText(Object.entries(view.scores).map(([id, score]) => `${session.members.find((m) => m.id === id)?.name ?? '—'}: ${score}`).join('   '));
    this.#timer.setText(`${Math.ceil(view.remainingMs / 1000)} s`);
  }

  /** The speaking ring, and proximity voice: a player's volume falls with their distance from me. */
  #voice(memberId: string, at: { x: number; y: number }, me: { x: number; y: number } | undefined, mine: boolean): void {
    const voice = this.ctx.session!.voice;
    if (voice.isSpeaking(memberId)) this.#graphics.lineStyle(3, 0xb5e48c).strokeCircle(at.x, at.y, PLAYER_RADIUS + 8);
    if (!mine && me !== undefined) voice.setVolume(memberId, voiceVolume(Math.hypot(at.x - me.x, at.y - me.y)));
  }

  #nameTag(entity: number, memberId: string | undefined): Phaser.GameObjects.Text {
    let tag = this.#names.get(entity);
    if (tag === undefined) {
      const name = this.ctx.session!.members.find((m) => m.id === memberId)?.name ?? '';
      tag = this.add.text(0, 0, name, { fontFamily: 'system-ui, sans-serif', fontSize: '14px', color: '#ffffff' }).setOrigin(0.5);
      this.#names.set(entity, tag);
    }
    return tag.setVisible(true);
  }

  /** Keys win; otherwise a held pointer pulls the avatar toward it. */
  #intent(me: { x: number; y: number } | undefined): MoveInput {
    const k = this.#keys;
    const dx = (k.right.isDown || k.d.isDown ? 1 : 0) - (k.left.isDown || k.a.isDown ? 1 : 0);
    const dy = (k.down.isDown || k.s.isDown ? 1 : 0) - (k.up.isDown || k.w.isDown ? 1 : 0);
    if (dx !== 0 || dy !== 0) return { dx, dy };
    const pointer = this.input.activePointer;
    if (pointer.isDown && me !== undefined) {
      const vx = pointer.worldX - me.x;
      const vy = pointer.worldY - me.y;
      const length = Math.hypot(vx, vy);
      if (length > 4) return { dx: vx / length, dy: vy / length };
    }
    return { dx: 0, dy: 0 };
  }

  #flash(text: string): void {
    const t = this.add.text(ARENA.width / 2, 48, text, { fontFamily: 'system-ui, sans-serif', fontSize: '24px', color: '#ffd166' }).setOrigin(0.5);
    this.tweens.add({ targets: t, alpha: 0, y: 24, duration: 900, onComplete: () => t.destroy() });
  }
}
