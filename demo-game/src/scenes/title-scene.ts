import * as Phaser from 'phaser';
import { Art, makeTextures } from '../art.js';
import type { DemoContext } from '../context.js';
import { playerMessage } from '../messages.js';
import { SceneKey } from '../scene-keys.js';
import { button, el, input } from '../ui.js';

/** Name, then create a room, join one by code, or quick match. */
export class TitleScene extends Phaser.Scene {
  constructor(private readonly ctx: DemoContext) {
    super(SceneKey.Title);
  }

  create(): void {
    this.ctx.scene = SceneKey.Title;
    this.#decor();
    const title = this.add.text(480, 110, 'GEM RUSH', { fontFamily: 'system-ui, sans-serif', fontSize: '84px', color: '#ffd166', fontStyle: 'bold', stroke: '#0b132b', strokeThickness: 10 }).setOrigin(0.5);
    this.tweens.add({ targets: title, y: 118, scale: 1.03, yoyo: true, repeat: -1, duration: 1400, ease: 'Sine.easeInOut' });
    this.add.text(480, 180, 'collect gems · beat your friends · 60 seconds', { fontFamily: 'system-ui, sans-serif', fontSize: '20px', color: '#eceff1', stroke: '#0b132b', strokeThickness: 4 }).setOrigin(0.5);
    const { ui } = this.ctx;
    const name = input('Your name', this.ctx.name, { name: 'name', maxLength: 20 });
    const code = input('Room code', '', { name: 'code', maxLength: 8, placeholder: 'ABC234' });
    const go = (what: () => Promise<unknown>) => async () => {
      this.ctx.name = name.input.value.trim() || this.ctx.name;
      ui.toast('');
      buttons.forEach((b) => (b.disabled = true));
      try {
        await what();
        this.scene.start(SceneKey.Room);
      } catch (error) {
        ui.toast(playerMessage(error, code.input.value.trim().toUpperCase()));
        this.ctx.log.logger.warn({ err: error }, 'joining or creating a room failed');
        buttons.forEach((b) => (b.disabled = false));
      }
    };
    const options = () => ({ name: this.ctx.name, maxPlayers: 4, mode: 'gem-rush', topology: 'star' as const });
    const buttons = [
      button('Create room', go(async () => (this.ctx.session = await this.ctx.lobby.create(options()))), { primary: true }),
      button('Join', go(async () => (this.ctx.session = await this.ctx.lobby.join(code.input.value, { name: this.ctx.name })))),
      button('Quick match', go(async () => (this.ctx.session = await this.ctx.lobby.quickMatch(options())))),
    ];
    const [create, join, quick] = buttons as [HTMLButtonElement, HTMLButtonElement, HTMLButtonElement];
    ui.show(
      el('div', { className: 'form' }, name.field, create, el('div', { className: 'row' }, code.field, join), quick),
      el('p', { className: 'help' }, 'Move: arrow keys or WASD, or tap (click) where you want to go. ` (backquote) or the ⚙ button: debug overlay (RTT, jitter, loss, bandwidth per lane, and a link conditioner to try bad networks).'),
    );
    if (this.ctx.inviteCode !== undefined) {
      const invited = this.ctx.inviteCode;
      this.ctx.inviteCode = undefined;
      code.input.value = invited;
      join.click();
    }
    void quick;
  }

  /** The arena dimmed behind the title, the four players and some gems bobbing on it. */
  #decor(): void {
    makeTextures(this);
    this.add.image(0, 0, Art.floor).setOrigin(0, 0).setAlpha(0.55);
    const gems: [number, number, string][] = [[170, 90, Art.gem], [800, 70, Art.goldGem], [110, 300, Art.goldGem], [850, 290, Art.gem], [300, 240, Art.gem], [660, 230, Art.gem]];
    gems.forEach(([x, y, key], i) => this.tweens.add({ targets: this.add.image(x, y, key).setScale(1.6), y: y - 8, yoyo: true, repeat: -1, duration: 900 + i * 130, ease: 'Sine.easeInOut' }));
    [[220, 170], [740, 165], [60, 200], [900, 190]].forEach(([x, y], slot) => {
      const player = this.add.container(x, y, [this.add.image(0, 0, Art.player(slot)), this.add.image(0, -4, Art.eyes), this.add.image(0, -4, Art.pupils)]).setScale(1.3);
      this.tweens.add({ targets: player, y: y! - 10, yoyo: true, repeat: -1, duration: 380 + slot * 60, ease: 'Quad.easeOut' });
    });
  }
}
