/**
 * The debug overlay (backquote key or the ⚙ button): per link RTT with a small graph, jitter,
 * state-lane loss, kbps in/out per lane, the ICE candidate type; tick and snapshot rates; and
 * link conditioner controls applied to every link of this page, to feel what the netcode hides;
 * and "connect", which rejoins the room with every link through TURN (`?relay=turn`) or the
 * lobby server's relay (`?relay=lobby`).
 */
import { howConnected } from './connection.js';
import type { DemoContext } from './context.js';
import { el } from './ui.js';

/** RTT samples kept per link: 15 s at four a second. */
const HISTORY = 60;
const GRAPH_COLORS = ['#4cc9f0', '#f72585', '#b5e48c', '#ffd166'];

/** How the page's links connect, from `?relay=`: as they can, through TURN only, or through the lobby only. */
export type ConnectMode = 'auto' | 'turn' | 'lobby';

export function createDebugOverlay(ctx: DemoContext, parent: HTMLElement, mode: ConnectMode): { toggle(): void } {
  const panel = el('div', { className: 'debug', id: 'debug' });
  panel.hidden = true;
  const stats = el('pre');
  const graph = el('canvas');
  graph.width = 240;
  graph.height = 60;
  const conditions = { latencyMs: 0, jitterMs: 0, loss: 0 };
  const slider = (label: string, key: keyof typeof conditions, max: number, step: number, unit: string) => {
    const range = el('input');
    range.type = 'range';
    range.min = '0';
    range.max = String(max);
    range.step = String(step);
    range.value = '0';
    range.name = key;
    const value = el('output', {}, `0${unit}`);
    range.addEventListener('input', () => {
      conditions[key] = Number(range.value);
      value.textContent = `${range.value}${unit}`;
      apply();
    });
    return [el('label', { htmlFor: (range.id = `debug-${key}`) }, label), range, value];
  };
  const apply = () => {
    const loss = conditions.loss / 100;
    for (const link of ctx.session?.links.values() ?? []) {
      link.setConditions({ state: { latencyMs: conditions.latencyMs, jitterMs: conditions.jitterMs, loss }, events: { latencyMs: conditions.latencyMs, jitterMs: conditions.jitterMs, loss } });
    }
  };
  // Links are made with the policy the lobby was created with: switching means rejoining.
  const modes: Array<[ConnectMode, string]> = [
    ['auto', 'as they can'],
    ['turn', 'force relay (TURN)'],
    ['lobby', 'force lobby relay'],
  ];
  const modeSelect = el('select');
  modeSelect.name = 'connect-mode';
  for (const [value, label] of modes) modeSelect.append(Object.assign(el('option', {}, label), { value, selected: value === mode }));
  modeSelect.addEventListener('change', () => {
    const url = new URL(location.href);
    if (modeSelect.value === 'auto') url.searchParams.delete('relay');
    else url.searchParams.set('relay', modeSelect.value);
    const code = ctx.session?.code;
    if (code !== undefined) url.searchParams.set('room', code);
    location.assign(url);
  });
  modeSelect.id = 'debug-connect';
  modeSelect.title = 'rejoin with every link through the TURN server or the lobby server';
  const close = el('button', { className: 'close', title: 'close the debug overlay (`)' }, '×');
  close.type = 'button';
  // Label, control, value: one grid, so every control starts at the same x.
  const controls = el('div', { className: 'sliders' }, ...slider('added latency', 'latencyMs', 300, 10, ' ms'), ...slider('jitter', 'jitterMs', 100, 5, ' ms'), ...slider('loss', 'loss', 30, 1, ' %'), el('label', { htmlFor: 'debug-connect' }, 'connect'), modeSelect);
  panel.append(el('div', { className: 'head' }, el('strong', {}, 'rallypoint debug'), close), stats, graph, controls);
  const gear = el('button', { className: 'gear', title: 'debug overlay' }, '⚙');
  parent.append(panel, gear);

  const rtts = new Map<string, number[]>();
  const kbps = (bytesPerSec: number) => ((bytesPerSec * 8) / 1000).toFixed(1);
  const update = () => {
    if (panel.hidden) return;
    const session = ctx.session;
    const lines: string[] = [];
    if (session === undefined) lines.push('not in a room');
    for (const [peerId, link] of session?.links ?? []) {
      const s = link.stats();
      const name = session?.members.find((m) => m.id === peerId)?.name ?? peerId;
      const samples = rtts.get(peerId) ?? [];
      if (s.rttMs !== null) samples.push(s.rttMs);
      if (samples.length > HISTORY) samples.shift();
      rtts.set(peerId, samples);
      lines.push(
        `${name} (${s.status}, ${howConnected(s.transport, s.candidateType)})`,
        `  rtt ${s.rttMs?.toFixed(1) ?? '–'} ms  jitter ${s.jitterMs?.toFixed(1) ?? '–'} ms  state loss ${(s.state.lossRate * 100).toFixed(1)} %`,
        `  state kbps in ${kbps(s.state.bytesInPerSec)} out ${kbps(s.state.bytesOutPerSec)}`,
        `  events kbps in ${kbps(s.events.bytesInPerSec)} out ${kbps(s.events.bytesOutPerSec)}`,
      );
    }
    const match = ctx.match;
    if (match !== undefined) {
      const { ticksPerSecond, snapshotsPerSecond, interpolation, clampedViews } = match.stats;
      lines.push(`${match.isHost ? 'host' : 'client'}: ${ticksPerSecond.toFixed(0)} ticks/s, ${snapshotsPerSecond.toFixed(0)} snapshots/s`);
      if (interpolation !== undefined) {
        lines.push(`  others drawn ${interpolation.delayMs.toFixed(0)} ms back (heading to ${interpolation.targetDelayMs.toFixed(0)}), ${interpolation.extrapolatedPct.toFixed(1)}% frames extrapolated`);
      }
      if (clampedViews !== undefined && clampedViews > 0) lines.push(`  view times clamped: ${clampedViews}`);
    }
    if (ctx.log.recent.length > 0) lines.push('warnings:', ...ctx.log.recent.map((line) => `  ${line}`));
    stats.textContent = lines.join('\n');
    const names = [...rtts.keys()].map((id) => session?.members.find((m) => m.id === id)?.name ?? id);
    drawGraph(graph, [...rtts.values()], names);
  };
  setInterval(update, 250);
  const toggle = () => {
    panel.hidden = !panel.hidden;
    // On small screens the open overlay takes a side (or the bottom) of the page and the arena
    // shrinks beside it (style.css); Phaser fits the canvas again on a resize.
    document.body.classList.toggle('debug-open', !panel.hidden);
    window.dispatchEvent(new Event('resize'));
    update();
  };
  gear.addEventListener('click', toggle);
  close.addEventListener('click', toggle);
  window.addEventListener('keydown', (e) => {
    if (e.key === '`' && !(e.target instanceof HTMLInputElement)) toggle();
  });
  return { toggle };
}

/** RTT per link over the last 15 s: scaled to the largest sample, with a mid line and each line's name. */
function drawGraph(canvas: HTMLCanvasElement, series: number[][], names: string[]): void {
  const g = canvas.getContext('2d');
  if (g === null) return;
  const { width, height } = canvas;
  const top = 14;
  g.clearRect(0, 0, width, height);
  // Round the scale up to a tidy number, at least 5 ms, so a calm localhost link is not a flat line on the floor.
  const max = niceCeiling(Math.max(5, ...series.flat()) * 1.15);
  g.strokeStyle = '#37474f';
  g.setLineDash([2, 3]);
  g.beginPath();
  g.moveTo(0, top + (height - top) / 2);
  g.lineTo(width, top + (height - top) / 2);
  g.stroke();
  g.setLineDash([]);
  g.font = '10px monospace';
  g.fillStyle = '#90a4ae';
  g.fillText(`rtt ms (0–${max}, 15 s)`, 2, 10);
  let legendX = g.measureText(`rtt ms (0–${max}, 15 s)`).width + 10;
  series.forEach((samples, i) => {
    const color = GRAPH_COLORS[i % GRAPH_COLORS.length]!;
    g.strokeStyle = color;
    g.lineWidth = 1.5;
    g.beginPath();
    samples.forEach((v, x) => {
      const px = ((x + HISTORY - samples.length) / (HISTORY - 1)) * width;
      const py = height - 1 - (v / max) * (height - top - 2);
      if (x === 0) g.moveTo(px, py);
      else g.lineTo(px, py);
    });
    g.stroke();
    g.fillStyle = color;
    g.fillText(names[i] ?? '', legendX, 10);
    legendX += g.measureText(names[i] ?? '').width + 8;
  });
}

/** 1, 2, 5, 10, 20, 50, ... at or above `value`. */
function niceCeiling(value: number): number {
  const power = 10 ** Math.floor(Math.log10(value));
  return ([1, 2, 5, 10].find((step) => step * power >= value) ?? 10) * power;
}
