// `node scripts/compare-table.mjs out.json [--readme]`: the "How it compares" table from a
// `npm run bench -- peers.* --json=out.json` run, as Markdown, with the machine and the date.
// With --readme it replaces the table in README.md (between the peers-table markers).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { replaceReadmeSection } from './readme-section.mjs';

const { positionals, values } = parseArgs({ allowPositionals: true, options: { readme: { type: 'boolean' } } });
if (positionals.length !== 1) {
  console.error('usage: node scripts/compare-table.mjs out.json [--readme]');
  process.exit(2);
}
const results = JSON.parse(readFileSync(positionals[0], 'utf8'));

// Columns: ours between two pages beside the page-to-page libraries; ours with a Node end beside geckos.io.
const COLUMNS = [
  { key: 'ours', title: 'rallypoint' },
  { key: 'simple_peer', title: 'simple-peer', ours: 'ours' },
  { key: 'peerjs', title: 'PeerJS', ours: 'ours' },
  { key: 'socketio', title: 'socket.io relay', ours: 'ours' },
  { key: 'ours_node', title: 'rallypoint, Node end' },
  { key: 'geckos', title: 'geckos.io', ours: 'ours_node' },
];
const ROWS = [
  ['peers.connect', 'ms_p50', 'connect p50, ms', 'lower'],
  ['peers.connect', 'ms_p99', 'connect p99, ms', 'lower'],
  ['peers.connect', 'first_message_ms_p50', 'first message delivered p50, ms', 'lower'],
  ['peers.connect', 'script_ready_ms_p50', 'page load to script running p50, ms', 'lower'],
  ['peers.rtt', 'ms_p50', 'RTT p50, ms', 'lower'],
  ['peers.rtt', 'ms_p99', 'RTT p99, ms', 'lower'],
  ['peers.throughput', 'state_msgs_per_s', '100 B state, msgs/s', 'higher'],
  ['peers.throughput', 'reliable_64k_mb_per_s', '64 KiB reliable, MB/s', 'higher'],
  ['peers.loss', 'state_age_ms_p50', 'loss: state age p50, ms', 'lower'],
  ['peers.loss', 'state_age_ms_p99', 'loss: state age p99, ms', 'lower'],
  ['peers.loss', 'event_ms_p99', 'loss: event latency p99, ms', 'lower'],
  ['peers.bytes', 'wire_bytes_per_msg', 'wire bytes per 100 B message', 'lower'],
  ['peers.bytes', 'bundle_kib', 'page bundle, KiB min+gzip', 'lower'],
  ['peers.cpu', 'cpu_ms_per_1000', 'sender CPU per 1,000 msgs, ms', 'lower'],
];

const fmt = (n) => (n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2));
const lines = [];
const chromium = (() => {
  try {
    return execFileSync(process.env.RALLYPOINT_CHROMIUM ?? '/usr/bin/chromium', ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'Chromium';
  }
})();
lines.push(`Measured ${new Date().toISOString().slice(0, 10)} on ${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, ${chromium}, Node ${process.version}; each cell is the figure and, beside a rival, ours / theirs (under 1 is ours ahead where lower is better, over 1 where higher is).`);
lines.push('');
lines.push(`| | better | ${COLUMNS.map((c) => c.title).join(' | ')} |`);
lines.push(`|---|---|${COLUMNS.map(() => '---:').join('|')}|`);
for (const [scenario, metric, label, better] of ROWS) {
  const figures = results[scenario];
  if (figures === undefined) continue;
  const cells = COLUMNS.map((column) => {
    const value = figures[`${column.key}_${metric}`];
    if (typeof value !== 'number') return 'n/a';
    if (column.ours === undefined) return fmt(value);
    return `${fmt(value)} (${(figures[`${column.ours}_${metric}`] / value).toFixed(2)})`;
  });
  lines.push(`| ${label} | ${better} | ${cells.join(' | ')} |`);
}
const table = lines.join('\n');

if (values.readme === true) replaceReadmeSection('peers-table', table);
else console.log(table);
