/**
 * A thumb stick for phones held upright: the arena is a band across the top of the screen, and
 * the space under it is where a thumb rests. Shown during a round in portrait (style.css); drag
 * from its middle to walk that way, at a speed that grows with the drag. Tapping the arena works
 * too (the game scene's tap-to-move).
 */
import { el } from './ui.js';

export interface Stick {
  /** Where the stick points now, each axis in [-1, 1]; undefined when no thumb is on it. */
  readonly direction: { dx: number; dy: number } | undefined;
}

export function createStick(parent: HTMLElement): Stick {
  const knob = el('div', { className: 'knob' });
  const pad = el('div', { className: 'stick', role: 'presentation' }, knob);
  parent.append(pad);
  let direction: { dx: number; dy: number } | undefined;
  let pointer: number | undefined;
  const move = (event: PointerEvent) => {
    if (event.pointerId !== pointer) return;
    const box = pad.getBoundingClientRect();
    const radius = box.width / 2;
    let dx = (event.clientX - box.left - radius) / radius;
    let dy = (event.clientY - box.top - radius) / radius;
    const length = Math.hypot(dx, dy);
    if (length > 1) [dx, dy] = [dx / length, dy / length];
    // A small dead zone in the middle: a resting thumb does not walk.
    direction = length < 0.15 ? { dx: 0, dy: 0 } : { dx, dy };
    knob.style.transform = `translate(${dx * radius * 0.6}px, ${dy * radius * 0.6}px)`;
  };
  const release = (event: PointerEvent) => {
    if (event.pointerId !== pointer) return;
    pointer = undefined;
    direction = undefined;
    knob.style.transform = '';
  };
  pad.addEventListener('pointerdown', (event) => {
    pointer = event.pointerId;
    pad.setPointerCapture(event.pointerId);
    move(event);
  });
  pad.addEventListener('pointermove', move);
  pad.addEventListener('pointerup', release);
  pad.addEventListener('pointercancel', release);
  return {
    get direction() {
      return direction;
    },
  };
}
