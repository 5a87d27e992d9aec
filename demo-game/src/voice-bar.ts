/**
 * Voice chat in the demo: a microphone button (off → open mic → muted → open mic) and push-to-talk
 * on V (hold it; the first press also turns voice on, a key press being a user gesture the
 * browser accepts). It acts on the current room session's `session.voice`; the speaking ring and
 * proximity volume are drawn by the game scene.
 */
import type { DemoContext } from './context.js';
import { el } from './ui.js';

/** How often the button catches up with the session (it changes between rooms). */
const REFRESH_MS = 250;

export function createVoiceBar(ctx: DemoContext, parent: HTMLElement): void {
  const mic = el('button', { className: 'mic', title: 'voice chat (hold V to talk)' });
  mic.type = 'button';
  parent.append(mic);
  let vDown = false;

  const voice = () => ctx.session?.voice;
  const start = (pushToTalk: boolean) => {
    const v = voice();
    if (v === undefined) return;
    v.start({ pushToTalk }).then(
      () => {
        v.setPushToTalk(pushToTalk);
        v.talk(vDown);
        render();
      },
      (error: Error) => {
        ctx.ui.toast(`Voice is off: ${error.message}.`);
        ctx.log.logger.warn({ err: error }, 'voice did not start');
        render();
      },
    );
  };
  const render = () => {
    const v = voice();
    mic.hidden = v === undefined || ctx.session?.status === 'closed';
    if (v === undefined) return;
    mic.textContent = !v.active ? 'Voice off' : v.pushToTalk ? (v.sending ? 'Talking' : 'Hold V') : v.muted ? 'Muted' : 'Mic on';
    mic.classList.toggle('live', v.sending);
    mic.setAttribute('aria-pressed', String(v.active && !v.muted));
  };
  mic.addEventListener('click', () => {
    const v = voice();
    if (v === undefined) return;
    if (!v.active) start(false);
    else if (v.pushToTalk) {
      v.setPushToTalk(false);
      v.unmute();
    } else if (v.muted) v.unmute();
    else v.mute();
    render();
  });
  const typing = (e: KeyboardEvent) => e.target instanceof HTMLInputElement;
  window.addEventListener('keydown', (e) => {
    if (e.key.toLowerCase() !== 'v' || e.repeat || typing(e)) return;
    const v = voice();
    if (v === undefined) return;
    vDown = true;
    if (!v.active) start(true);
    else {
      v.setPushToTalk(true);
      v.unmute();
      v.talk(true);
    }
    render();
  });
  window.addEventListener('keyup', (e) => {
    if (e.key.toLowerCase() !== 'v') return;
    vDown = false;
    voice()?.talk(false);
    render();
  });
  setInterval(render, REFRESH_MS);
  render();
}
