import * as Phaser from 'phaser';
import type { DemoContext } from '../context.js';
import { followRounds, hostRound, leaveRoom } from '../net/flow.js';
import { SceneKey } from '../scene-keys.js';
import { button, el } from '../ui.js';

/** Scores, then a rematch (the host starts it) or back to the title. */
export class GameOverScene extends Phaser.Scene {
  constructor(private readonly ctx: DemoContext) {
    super(SceneKey.GameOver);
  }

  create(): void {
    this.ctx.scene = SceneKey.GameOver;
    const session = this.ctx.session;
    const winner = this.ctx.lastScores[0];
    this.add.text(480, 70, 'Game over', { fontFamily: 'system-ui, sans-serif', fontSize: '56px', color: '#ffd166' }).setOrigin(0.5);
    if (winner !== undefined) this.add.text(480, 130, `${winner.name} wins with ${winner.score}`, { fontFamily: 'system-ui, sans-serif', fontSize: '26px', color: '#ffffff' }).setOrigin(0.5);
    const table = el('ol', { className: 'scores' });
    for (const row of this.ctx.lastScores) table.append(el('li', { 'data-score': String(row.score) }, `${row.name}: ${row.score}`));
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

}
