import * as Phaser from 'phaser';
import { Art, GOLD_SPARK, cssHex, makeTextures } from '../art.js';
import type { DemoContext } from '../context.js';
import { followRounds, hostRound, leaveRoom } from '../net/flow.js';
import { SceneKey } from '../scene-keys.js';
import { button, el } from '../ui.js';

/** Results: the winner in their colour with confetti and a fanfare, the scores, a rematch (the host starts it, in the same room) or leave. */
export class GameOverScene extends Phaser.Scene {
  constructor(private readonly ctx: DemoContext) {
    super(SceneKey.GameOver);
  }

  create(): void {
    this.ctx.scene = SceneKey.GameOver;
    const session = this.ctx.session;
    makeTextures(this);
    this.add.image(0, 0, Art.floor).setOrigin(0, 0).setAlpha(0.5);
    const [winner, second] = this.ctx.lastScores;
    const tie = winner !== undefined && second !== undefined && second.score === winner.score;
    const style = { fontFamily: 'system-ui, sans-serif', stroke: '#0b132b', strokeThickness: 6 };
    const title = this.add.text(480, 70, this.ctx.endNote === undefined ? 'Time!' : 'Game over', { ...style, fontSize: '56px', fontStyle: 'bold', color: '#ffd166' }).setOrigin(0.5);
    this.tweens.add({ targets: title, scale: { from: 1.5, to: 1 }, duration: 400, ease: 'Back.easeOut' });
    if (winner !== undefined) {
      const line = tie ? `A draw at ${winner.score}!` : `${winner.name} wins with ${winner.score}!`;
      this.add.text(480, 135, line, { ...style, fontSize: '30px', fontStyle: 'bold', color: tie ? '#ffffff' : cssHex(winner.color) }).setOrigin(0.5);
      if (!tie && this.ctx.endNote === undefined) this.#confetti(winner.color);
    }
    this.ctx.sounds.play('win');
    const table = el('ol', { className: 'scores' });
    for (const row of this.ctx.lastScores) {
      const dot = el('span', { className: 'dot' });
      dot.style.background = cssHex(row.color);
      table.append(el('li', { 'data-score': String(row.score) }, dot, `${row.name}: ${row.score}`));
    }
    const stillHere = session !== undefined && session.status !== 'closed' && session.links.size > 0;
    const canRematch = stillHere && session.isHost && this.ctx.endNote === undefined;
    const offs: (() => void)[] = [];
    if (stillHere && !session.isHost) offs.push(followRounds(this.ctx, () => this.scene.start(SceneKey.Game)));
    this.events.once(Phaser.Scenes.Events.SHUTDOWN, () => offs.splice(0).forEach((off) => off()));
    this.ctx.ui.show(
      ...(this.ctx.endNote === undefined ? [] : [el('p', { className: 'note' }, this.ctx.endNote)]),
      table,
      el(
        'div',
        { className: 'row' },
        ...(canRematch ? [button('Rematch', () => (hostRound(this.ctx), this.scene.start(SceneKey.Game)), { primary: true })] : stillHere ? [el('span', {}, 'Waiting for the host…')] : []),
        ...(stillHere && session.isHost ? [button('Back to room', () => this.scene.start(SceneKey.Room))] : []),
        button('Leave', () => void leaveRoom(this.ctx).then(() => this.scene.start(SceneKey.Title))),
      ),
    );
  }

  /** Confetti in the winner's colour, gold and white, falling for a couple of seconds. */
  #confetti(color: number): void {
    const emitters = [color, GOLD_SPARK, 0xffffff].map((c) =>
      this.add.particles(0, -10, Art.spark(c), {
        x: { min: 0, max: 960 },
        speedY: { min: 80, max: 220 },
        speedX: { min: -40, max: 40 },
        lifespan: 3500,
        scale: { min: 0.5, max: 1.1 },
        frequency: 60,
      }),
    );
    this.time.delayedCall(2200, () => emitters.forEach((emitter) => emitter.stop()));
  }
}
