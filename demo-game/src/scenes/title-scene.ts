import * as Phaser from 'phaser';
import { LobbyError } from '@rallypoint/lobby';
import type { DemoContext } from '../context.js';
import { SceneKey } from '../scene-keys.js';
import { button, el, input } from '../ui.js';

/** Name, then create a room, join one by code, or quick match. */
export class TitleScene extends Phaser.Scene {
  constructor(private readonly ctx: DemoContext) {
    super(SceneKey.Title);
  }

  create(): void {
    this.ctx.scene = SceneKey.Title;
    this.add.text(480, 120, 'GEM RUSH', { fontFamily: 'system-ui, sans-serif', fontSize: '72px', color: '#ffd166', fontStyle: 'bold' }).setOrigin(0.5);
    this.add.text(480, 185, 'collect gems · beat your friends · 60 seconds', { fontFamily: 'system-ui, sans-serif', fontSize: '20px', color: '#cfd8dc' }).setOrigin(0.5);
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
        ui.toast(error instanceof LobbyError ? error.message : `Could not reach the lobby: ${(error as Error).message}`);
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
      el('p', { className: 'help' }, 'Move: arrow keys or WASD, or hold the pointer where you want to go. ` (backquote) or the ⚙ button: debug overlay (RTT, jitter, loss, bandwidth per lane, and a link conditioner to try bad networks).'),
    );
    if (this.ctx.inviteCode !== undefined) {
      const invited = this.ctx.inviteCode;
      this.ctx.inviteCode = undefined;
      code.input.value = invited;
      join.click();
    }
    void quick;
  }
}
