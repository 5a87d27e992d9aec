import * as Phaser from 'phaser';
import { Art, makeTextures } from '../art.js';
import { badgeOf, badgeText } from '../connection.js';
import type { DemoContext } from '../context.js';
import type { MatchView } from '../net/match.js';
import { ARENA, PLAYER_COLORS, voiceVolume, type MoveInput } from '../rules.js';
import { SceneKey } from '../scene-keys.js';
import { ArenaView } from './arena-view.js';

const FONT = 'system-ui, sans-serif';
/** Tap-to-move stops this close to the tapped point (arena units). */
const ARRIVED = 6;

/** The round: draw what the match says with some juice, play its sounds, feed it keys, pointer and touch. */
export class GameScene extends Phaser.Scene {
  #arena!: ArenaView;
  /** One row per slot: the player's body as a chip, then name, score and route. */
  #board: { chip: Phaser.GameObjects.Image; text: Phaser.GameObjects.Text }[] = [];
  #boardBack!: Phaser.GameObjects.Graphics;
  #timer!: Phaser.GameObjects.Text;
  #banner!: Phaser.GameObjects.Text;
  #marker!: Phaser.GameObjects.Image;
  #keys!: Record<'up' | 'down' | 'left' | 'right' | 'w' | 'a' | 's' | 'd', Phaser.Input.Keyboard.Key>;
  /** Where a tap or click sent the avatar, until it gets there or a key is pressed. */
  #target: { x: number; y: number } | undefined;
  #shownCount = -1;
  #shownSecond = -1;
  #boardAt = 0;

  constructor(private readonly ctx: DemoContext) {
    super(SceneKey.Game);
  }

  create(): void {
    this.ctx.scene = SceneKey.Game;
    this.ctx.ui.hide();
    document.body.classList.add('in-game');
    makeTextures(this);
    this.#shownCount = -1;
    this.#shownSecond = -1;
    this.#target = undefined;
    const session = this.ctx.session!;
    const nameOfMember = (id: string) => session.members.find((m) => m.id === id)?.name ?? 'someone';
    const memberOfEntity = (entity: number) => Object.entries(this.ctx.match?.slots ?? {}).find(([, slot]) => slot + 1 === entity)?.[0];
    this.#arena = new ArenaView(this, (entity) => nameOfMember(memberOfEntity(entity) ?? ''));
    const style = { fontFamily: FONT, color: '#ffffff', stroke: '#0b132b', strokeThickness: 4 };
    this.#boardBack = this.add.graphics().setDepth(999);
    this.#board = PLAYER_COLORS.map((_, slot) => ({
      chip: this.add.image(32, 30 + slot * 23, Art.player(slot)).setScale(0.38).setDepth(1000).setVisible(false),
      text: this.add.text(48, 20 + slot * 23, '', { ...style, fontSize: '15px' }).setDepth(1000),
    }));
    this.#timer = this.add.text(ARENA.width - 24, 20, '', { ...style, fontSize: '28px', fontStyle: 'bold', color: '#ffd166' }).setOrigin(1, 0).setDepth(1000);
    this.#banner = this.add.text(ARENA.width / 2, ARENA.height / 2, '', { ...style, fontSize: '120px', fontStyle: 'bold', color: '#ffd166', strokeThickness: 10 }).setOrigin(0.5).setDepth(1001);
    this.#marker = this.add.image(0, 0, Art.target).setVisible(false).setDepth(5);
    const k = Phaser.Input.Keyboard.KeyCodes;
    const keyboard = this.input.keyboard!;
    this.#keys = { up: keyboard.addKey(k.UP), down: keyboard.addKey(k.DOWN), left: keyboard.addKey(k.LEFT), right: keyboard.addKey(k.RIGHT), w: keyboard.addKey(k.W), a: keyboard.addKey(k.A), s: keyboard.addKey(k.S), d: keyboard.addKey(k.D) };
    // A tap or click sends the avatar there; holding and dragging steers it.
    const aim = (pointer: Phaser.Input.Pointer) => (this.#target = { x: pointer.worldX, y: pointer.worldY });
    const drag = (pointer: Phaser.Input.Pointer) => pointer.isDown && aim(pointer);
    this.input.on('pointerdown', aim);
    this.input.on('pointermove', drag);

    this.ctx.matchListener = {
      pickup: ({ by, value, x, y, contested }) => {
        const slot = this.ctx.match?.slots[by] ?? 0;
        this.#arena.pickup({ x, y }, value, slot);
        this.ctx.sounds.play(value > 1 ? 'gold' : 'pickup');
        if (contested) {
          this.cameras.main.shake(180, 0.008);
          this.ctx.sounds.play('contested');
        }
        this.#boardAt = 0;
      },
      left: (id) => this.ctx.ui.toast(`${nameOfMember(id)} left the game.`),
      over: (scores, note) => {
        this.ctx.lastScores = Object.entries(scores)
          .map(([id, score]) => ({ name: nameOfMember(id), score, color: PLAYER_COLORS[(this.ctx.match?.slots[id] ?? 0) % PLAYER_COLORS.length] ?? 0xffffff }))
          .sort((a, b) => b.score - a.score);
        this.ctx.endNote = note;
        this.scene.start(SceneKey.GameOver);
      },
    };
    this.events.once(Phaser.Scenes.Events.SHUTDOWN, () => {
      this.ctx.matchListener = undefined;
      this.input.off('pointerdown', aim);
      this.input.off('pointermove', drag);
      document.body.classList.remove('in-game');
      // Out of the arena, everyone is heard at full volume again.
      for (const member of session.members) session.voice.setVolume(member.id, 1);
    });
  }

  /** Proximity voice for this frame: each other player as loud as they are near; returns the entities whose player is speaking. */
  #voice(view: MatchView, me: { x: number; y: number } | undefined): Set<number> {
    const voice = this.ctx.session!.voice;
    const speaking = new Set<number>();
    for (const [owner, slot] of Object.entries(view.slots)) {
      const entity = slot + 1;
      const at = view.entities.get(entity);
      if (at === undefined) continue;
      if (entity !== view.myEntity && me !== undefined) voice.setVolume(owner, voiceVolume(Math.hypot(at.x - me.x, at.y - me.y)));
      if (voice.isSpeaking(owner)) speaking.add(entity);
    }
    return speaking;
  }

  override update(time: number): void {
    const match = this.ctx.match;
    if (match === undefined) return;
    const view = match.view();
    const me = view.entities.get(view.myEntity);
    match.setInput(this.#intent(me));
    this.ctx.lastView = view;
    const session = this.ctx.session!;
    this.#arena.draw(view, time, this.#voice(view, me));
    this.#marker.setVisible(this.#target !== undefined);
    if (this.#target !== undefined) this.#marker.setPosition(this.#target.x, this.#target.y).setAngle(time * 0.2);
    this.#countdown(view.countdownMs);
    this.#clock(view.remainingMs, view.countdownMs);
    if (time >= this.#boardAt) {
      // Names, scores and each player's route: twice a second (link stats are not free).
      this.#boardAt = time + 500;
      const players = Object.entries(view.slots).sort(([, a], [, b]) => a - b);
      this.#board.forEach(({ chip, text }, row) => {
        const [id, slot] = players[row] ?? [];
        chip.setVisible(id !== undefined);
        if (id === undefined) return void text.setText('');
        chip.setTexture(Art.player(slot!));
        const name = session.members.find((m) => m.id === id)?.name ?? '—';
        const route = id === session.me.id ? '' : `   ${badgeText(badgeOf(session, id))}`;
        text.setText(`${name}  ${view.scores[id] ?? 0}${route}`);
      });
      // A dark card behind the board, as wide as its widest row, so it reads over any part of the arena.
      const width = Math.max(0, ...this.#board.map(({ text }) => (text.text === '' ? 0 : text.width)));
      this.#boardBack.clear().fillStyle(0x0b132b, 0.6).fillRoundedRect(16, 16, width + 42, players.length * 23 + 6, 8);
    }
  }

  /** 3, 2, 1, GO!: a number that pops and beeps each second, until the round starts. */
  #countdown(countdownMs: number): void {
    const count = Math.ceil(countdownMs / 1000);
    if (count === this.#shownCount) return;
    const first = this.#shownCount === -1;
    this.#shownCount = count;
    // Joined after the start (a reload): no GO! to show.
    if (count === 0 && first) return void this.#banner.setText('');
    this.#banner.setText(count > 0 ? String(count) : 'GO!').setAlpha(1).setScale(1.6);
    this.tweens.add({ targets: this.#banner, scale: 1, duration: 300, ease: 'Back.easeOut' });
    if (count === 0) this.tweens.add({ targets: this.#banner, alpha: 0, delay: 500, duration: 300 });
    this.ctx.sounds.play(count > 0 ? 'count' : 'go');
  }

  /** The round's time; in the last ten seconds it turns red and pulses with a tick each second. */
  #clock(remainingMs: number, countdownMs: number): void {
    const second = Math.ceil(remainingMs / 1000);
    if (second === this.#shownSecond) return;
    this.#shownSecond = second;
    const minutes = Math.floor(second / 60);
    this.#timer.setText(`${minutes}:${String(second % 60).padStart(2, '0')}`);
    const hurry = second <= 10 && second > 0 && countdownMs === 0;
    this.#timer.setColor(hurry ? '#ff595e' : '#ffd166');
    if (!hurry) return;
    this.#timer.setScale(1.4);
    this.tweens.add({ targets: this.#timer, scale: 1, duration: 400, ease: 'Cubic.easeOut' });
    this.ctx.sounds.play('tick');
  }

  /** Keys or the thumb stick win (and cancel a tap's target); otherwise head for the tapped or held point. */
  #intent(me: { x: number; y: number } | undefined): MoveInput {
    const k = this.#keys;
    const dx = (k.right.isDown || k.d.isDown ? 1 : 0) - (k.left.isDown || k.a.isDown ? 1 : 0);
    const dy = (k.down.isDown || k.s.isDown ? 1 : 0) - (k.up.isDown || k.w.isDown ? 1 : 0);
    const stick = this.ctx.stick.direction;
    if (dx !== 0 || dy !== 0 || stick !== undefined) {
      this.#target = undefined;
      return stick ?? { dx, dy };
    }
    if (this.#target !== undefined && me !== undefined) {
      const vx = this.#target.x - me.x;
      const vy = this.#target.y - me.y;
      const length = Math.hypot(vx, vy);
      if (length > ARRIVED) return { dx: vx / length, dy: vy / length };
      if (!this.input.activePointer.isDown) this.#target = undefined;
    }
    return { dx: 0, dy: 0 };
  }
}
