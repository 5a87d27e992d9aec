import * as Phaser from 'phaser';
import type { DemoContext } from '../context.js';
import { followRounds, hostRound, leaveRoom } from '../net/flow.js';
import { PLAYER_COLORS } from '../rules.js';
import { SceneKey } from '../scene-keys.js';
import { button, el } from '../ui.js';

/** The waiting room: the code and invite link, who is here and ready; the host starts. */
export class RoomScene extends Phaser.Scene {
  #offs: (() => void)[] = [];

  constructor(private readonly ctx: DemoContext) {
    super(SceneKey.Room);
  }

  create(): void {
    this.ctx.scene = SceneKey.Room;
    const session = this.ctx.session!;
    if (session.isHost) session.setLocked(false);
    this.add.text(480, 60, 'Waiting room', { fontFamily: 'system-ui, sans-serif', fontSize: '40px', color: '#ffd166' }).setOrigin(0.5);
    const render = () => this.#render();
    this.#offs = [
      session.on('memberJoined', render),
      session.on('memberLeft', render),
      session.on('memberChanged', render),
      session.on('hostChanged', render),
      session.on('lobbyDisconnected', () => this.ctx.ui.toast('Lost the lobby connection; reconnecting…')),
      session.on('lobbyReconnected', () => this.ctx.ui.toast('Back in the lobby.')),
      session.on('closed', () => this.scene.start(SceneKey.Title)),
      followRounds(this.ctx, () => this.scene.start(SceneKey.Game)),
    ];
    this.events.once(Phaser.Scenes.Events.SHUTDOWN, () => this.#offs.splice(0).forEach((off) => off()));
    render();
  }

  #render(): void {
    const session = this.ctx.session!;
    const me = session.me;
    const list = el('ul', { className: 'members' });
    session.members.forEach((m, i) => {
      const dot = el('span', { className: 'dot' });
      dot.style.background = `#${(PLAYER_COLORS[i % PLAYER_COLORS.length] ?? 0xffffff).toString(16).padStart(6, '0')}`;
      list.append(el('li', {}, dot, `${m.name}${m.id === me.id ? ' (you)' : ''}${m.id === session.hostId ? ' · host' : ''}`, el('span', { className: m.ready || m.id === session.hostId ? 'ready' : 'waiting' }, m.id === session.hostId ? '' : m.ready ? 'ready' : 'not ready')));
    });
    const link = el('input', { className: 'invite' });
    link.readOnly = true;
    link.value = inviteFor(session.code);
    const copy = button('Copy link', () => void navigator.clipboard?.writeText(link.value).then(() => this.ctx.ui.toast('Invite link copied.'), () => link.select()));
    const others = session.members.filter((m) => m.id !== session.hostId);
    const canStart = session.members.length >= 2 && others.every((m) => m.ready);
    const actions = session.isHost
      ? button(canStart ? 'Start' : session.members.length < 2 ? 'Waiting for players…' : 'Waiting for ready…', () => this.#start(), { primary: true, disabled: !canStart })
      : button(me.ready ? 'Not ready' : 'Ready', () => session.setReady(!me.ready), { primary: !me.ready });
    this.ctx.ui.show(
      el('div', { className: 'code' }, 'Room code ', el('strong', { 'data-testid': 'room-code' }, session.code)),
      el('div', { className: 'row' }, link, copy),
      list,
      el('div', { className: 'row' }, actions, button('Leave', () => void leaveRoom(this.ctx).then(() => this.scene.start(SceneKey.Title)))),
    );
  }

  #start(): void {
    this.ctx.session!.setLocked(true);
    hostRound(this.ctx);
    this.scene.start(SceneKey.Game);
  }

}

/** The invite link for this page's origin (the lobby serves the game). */
function inviteFor(code: string): string {
  return `${location.origin}/?room=${code}`;
}
