import * as Phaser from 'phaser';
import type { DemoContext } from '../context.js';
import { followRounds, hostRound, leaveRoom } from '../net/flow.js';
import { Art, cssColorOf, makeTextures } from '../art.js';
import { badgeOf, badgeText } from '../connection.js';
import { qrCanvas } from '../qr.js';
import { SceneKey } from '../scene-keys.js';
import { button, el } from '../ui.js';

/** How often each player's route and RTT are refreshed in the list. */
const BADGE_MS = 1000;

/** The waiting room: the code big, the invite link (copy, or a QR code for phones), who is here, how each is reached, who is ready; the host starts. */
export class RoomScene extends Phaser.Scene {
  #offs: (() => void)[] = [];
  /** The route badge of each member in the list, refreshed without redrawing the panel. */
  #badges = new Map<string, HTMLElement>();
  /** The invite row and QR box: made once per visit and moved into each redraw, so an open QR stays open and is encoded once. */
  #invite: { row: HTMLElement; qr: HTMLElement } | null = null;

  constructor(private readonly ctx: DemoContext) {
    super(SceneKey.Room);
  }

  create(): void {
    this.ctx.scene = SceneKey.Room;
    const session = this.ctx.session!;
    if (session.isHost) session.setLocked(false);
    makeTextures(this);
    this.add.image(0, 0, Art.floor).setOrigin(0, 0).setAlpha(0.5);
    this.#invite = this.#makeInvite(session.code);
    const render = () => this.#render();
    this.#offs = [
      session.on('memberJoined', render),
      session.on('memberLeft', render),
      session.on('memberChanged', render),
      session.on('hostChanged', render),
      session.on('lobbyReconnected', () => this.ctx.ui.toast('Back in the lobby.')),
      session.on('linkOpen', render),
      session.on('closed', () => this.scene.start(SceneKey.Title)),
      followRounds(this.ctx, () => this.scene.start(SceneKey.Game)),
    ];
    const badges = setInterval(() => this.#refreshBadges(), BADGE_MS);
    this.#offs.push(() => clearInterval(badges));
    this.events.once(Phaser.Scenes.Events.SHUTDOWN, () => this.#offs.splice(0).forEach((off) => off()));
    render();
  }

  #render(): void {
    const session = this.ctx.session!;
    const me = session.me;
    const list = el('ul', { className: 'members' });
    this.#badges.clear();
    session.members.forEach((m, i) => {
      const dot = el('span', { className: 'dot' });
      dot.style.background = cssColorOf(i);
      const badge = el('span', { className: 'badge', 'data-member': m.id });
      this.#badges.set(m.id, badge);
      const state = m.away === true ? 'away…' : m.id === session.hostId ? 'host' : m.ready ? 'ready' : 'not ready';
      list.append(el('li', {}, dot, el('span', { className: 'name' }, `${m.name}${m.id === me.id ? ' (you)' : ''}`), badge, el('span', { className: m.ready || m.id === session.hostId ? 'ready' : 'waiting' }, state)));
    });
    this.#refreshBadges();
    const { row, qr } = this.#invite!;
    const others = session.members.filter((m) => m.id !== session.hostId);
    const canStart = session.members.length >= 2 && others.every((m) => m.ready);
    const actions = session.isHost
      ? button(canStart ? 'Start' : session.members.length < 2 ? 'Waiting for players…' : 'Waiting for ready…', () => this.#start(), { primary: true, disabled: !canStart })
      : button(me.ready ? 'Not ready' : 'Ready', () => session.setReady(!me.ready), { primary: !me.ready });
    this.ctx.ui.show(
      el('h2', {}, 'Waiting room'),
      el('div', { className: 'code' }, el('span', {}, 'Room code'), el('strong', { 'data-testid': 'room-code' }, session.code)),
      row,
      qr,
      list,
      el('div', { className: 'row' }, actions, button('Leave', () => void leaveRoom(this.ctx).then(() => this.scene.start(SceneKey.Title)))),
    );
  }

  #makeInvite(code: string): { row: HTMLElement; qr: HTMLElement } {
    const link = el('input', { className: 'invite' });
    link.readOnly = true;
    link.value = inviteFor(code);
    const copy = button('Copy invite link', () => void navigator.clipboard?.writeText(link.value).then(() => this.ctx.ui.toast('Invite link copied.'), () => (link.select(), this.ctx.ui.toast('Select and copy the link.'))));
    return { row: el('div', { className: 'row' }, link, copy), qr: el('details', { className: 'qr-box' }, el('summary', {}, 'QR code for a phone'), qrCanvas(link.value)) };
  }

  #refreshBadges(): void {
    const session = this.ctx.session;
    if (session === undefined) return;
    for (const [id, badge] of this.#badges) {
      const b = badgeOf(session, id);
      badge.textContent = b.route === 'you' ? '' : badgeText(b);
      badge.dataset.route = b.route;
    }
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
