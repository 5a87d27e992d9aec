// `node scripts/weight-table.mjs out.json [--readme]`: the *Page weight* tables from a
// `npm run bench -- bundle.size --json=out.json` run, as Markdown: what each page weighs, and
// where our pages' weight goes. With --readme it replaces them in README.md (between the
// weight-table markers).
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { replaceReadmeSection } from './readme-section.mjs';

const { positionals, values } = parseArgs({ allowPositionals: true, options: { readme: { type: 'boolean' } } });
if (positionals.length !== 1) {
  console.error('usage: node scripts/weight-table.mjs out.json [--readme]');
  process.exit(2);
}
const figures = JSON.parse(readFileSync(positionals[0], 'utf8'))['bundle.size'];
if (figures === undefined) throw new Error(`${positionals[0]} has no bundle.size results: run npm run bench -- bundle.size --json=${positionals[0]}`);

const kib = (name) => figures[`${name}_kib`].toFixed(1);
/** What each package is for, where a name alone does not say. */
const ROLES = {
  '@rallypoint/core': 'links, lanes, paths, media',
  msgpackr: "the lanes' codec; colyseus.js' too, in the browser build",
  '@rallypoint/lobby': 'rooms, the session, the relay client, voice',
  'colyseus.js': 'the lobby connection: its ES module build, bundled in by the lobby (`colyseus-lite.mjs`)',
  '@colyseus/schema': 'only its encode/decode helpers: a rallypoint room keeps no Schema state',
  valibot: "checks a room's options before they go to the server",
  '@rallypoint/protocol': 'the lobby messages and their schemas',
  '@rallypoint/msgpack-guard': "bounds an incoming message's depth and size before decoding",
};

const lines = [
  `Measured ${new Date().toISOString().slice(0, 10)}.`,
  '',
  '| page | KiB min+gzip |',
  '|---|---:|',
  `| \`createLobby\` (lobby, links, relay, voice: what a game ships) | ${kib('ours_lobby')} |`,
  `| \`createLink\` alone (no lobby) | ${kib('ours_link')} (${figures.link_vs_simple_peer.toFixed(2)}× simple-peer's ${kib('simple_peer')}) |`,
  `| simple-peer (with the \`buffer\`, \`events\` and \`process\` ports it needs) | ${kib('simple_peer')} |`,
  `| PeerJS / colyseus.js / socket.io-client / geckos.io client | ${['peerjs', 'colyseus_js', 'socketio_client', 'geckos_client'].map(kib).join(' / ')} |`,
  '',
  "Where our pages' weight goes (minified KiB by package, before gzip, from esbuild's metafile; the",
  'bench prints it as `ours_lobby.min_kib.*` and `ours_link.min_kib.*`):',
  '',
  '| package | lobby page | link page |',
  '|---|---:|---:|',
];
const part = (page, name) => figures[`${page}.min_kib.${name}`];
const names = Object.keys(figures)
  .filter((key) => key.startsWith('ours_lobby.min_kib.'))
  .map((key) => key.slice('ours_lobby.min_kib.'.length))
  .sort((a, b) => part('ours_lobby', b) - part('ours_lobby', a));
let rest = [0, 0];
for (const name of names) {
  const lobby = part('ours_lobby', name);
  const link = part('ours_link', name) ?? 0;
  if (ROLES[name] === undefined && lobby < 2) {
    rest = [rest[0] + lobby, rest[1] + link];
    continue;
  }
  const role = ROLES[name] === undefined ? '' : `: ${ROLES[name]}`;
  lines.push(`| \`${name}\`${role} | ${lobby.toFixed(1)} | ${link === 0 ? '–' : link.toFixed(1)} |`);
}
if (rest[0] > 0) lines.push(`| the rest | ${rest[0].toFixed(1)} | ${rest[1] === 0 ? '–' : rest[1].toFixed(1)} |`);
lines.push(`| of all these, voice and media (the lobby's \`voice*.ts\`, core's \`media/\`) | ${figures['ours_lobby.voice_min_kib'].toFixed(1)} | ${figures['ours_link.voice_min_kib'].toFixed(1)} |`);
const table = lines.join('\n');

if (values.readme === true) replaceReadmeSection('weight-table', table);
else console.log(table);
