/**
 * The debug overlay (backquote key or the ⚙ button): per link RTT with a small graph, jitter,
 * state-lane loss, kbps in/out per lane, the ICE candidate type; tick and snapshot rates; and
 * link conditioner controls applied to every link of this page, to feel what the netcode hides;
 * and "connect", which rejoins the room with every link through TURN (`?relay=turn`) or the
 * lobby server's relay (`?relay=lobby`).
 */
import type { DemoContext } from './context.js';
import { el } from './ui.js';

const HISTORY = 60;

/** Candidate types as a player reads them. */
const HOW_CONNECTED: Record<string, string> = { host: 'direct (host)', srflx: 'direct through NAT (srflx)', prflx: 'direct through NAT (prflx)', relay: 'TURN relay' };

/** How the page's links connect, from `?relay=`: as they can, through TURN only, or through the lobby only. */
export type ConnectMode = 'auto' | 'turn' | 'lobby';

/** How a link is connected, as a player reads it. */
function howConnected(transport: string | null, candidateType: string | null): string {
  if (transport === 'relay') return 'lobby relay';
  if (candidateType === null) return 'connecting';
  return HOW_CONNECTED[candidateType] ?? candidateType;
}

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
    const value = el('span', {}, `0${unit}`);
    range.addEventListener('input', () => {
      conditions[key] = Number(range.value);
      value.textContent = `${range.value}${unit}`;
      apply();
    });
    return el('label', {}, label, range, value);
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
  const relayToggle = el('label', { title: 'rejoin with every link through the TURN server or the lobby server' }, 'connect ', modeSelect);
  panel.append(el('strong', {}, 'rallypoint debug'), stats, graph, el('div', { className: 'sliders' }, slider('added latency', 'latencyMs', 300, 10, ' ms'), slider('jitter', 'jitterMs', 100, 5, ' ms'), slider('loss', 'loss', 30, 1, ' %'), relayToggle));
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
    drawGraph(graph, [...rtts.values()]);
  };
  setInterval(update, 250);
  const toggle = () => {
    panel.hidden = !panel.hidden;
    update();
  };
  gear.addEventListener('click', toggle);
  window.addEventListener('keydown', (e) => {
    if (e.key === '`' && !(e.target instanceof HTMLInputElement)) toggle();
  });
  return { toggle };
}

function drawGraph(canvas: HTMLCanvasElement, series: number[][]): void {
  const g = canvas.getContext('2d');
  if (g === null) return;
  g.clearRect(0, 0, canvas.width, canvas.height);
  const max = Math.max(10, ...series.flat());
  g.fillStyle = '#90a4ae';
  g.font = '10px monospace';
  g.fillText(`rtt, max ${max.toFixed(0)} ms`, 4, 10);
  const colors = ['#4cc9f0', '#f72585', '#b5e48c'];
  series.forEach((samples, i) => {
    g.strokeStyle = colors[i % colors.length] ?? '#fff';
    g.beginPath();
    samples.forEach((v, x) => {
      const px = (x / (HISTORY - 1)) * canvas.width;
      const py = canvas.height - (v / max) * (canvas.height - 14);
      if (x === 0) g.moveTo(px, py);
      else g.lineTo(px, py);
    });
    g.stroke();
  });
}
