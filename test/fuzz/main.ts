/**
 * `npm run fuzz -- lobby|link [--frames N] [--seed S] [--json PATH]`: runs one fuzzer and prints
 * its report; exits 1 if the target did not hold (see each fuzzer for what holding means).
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { fuzzLink } from './link.fuzz.js';
import { fuzzLobby } from './lobby.fuzz.js';

const { values, positionals } = parseArgs({
  args: process.argv.slice(2),
  options: { frames: { type: 'string', default: '10000' }, seed: { type: 'string', default: '1' }, json: { type: 'string' } },
  allowPositionals: true,
});
const target = positionals[0];
const frames = Number(values.frames);
const seed = Number(values.seed);
if ((target !== 'lobby' && target !== 'link') || !Number.isInteger(frames) || frames <= 0 || !Number.isInteger(seed)) {
  console.error('usage: npm run fuzz -- lobby|link [--frames N] [--seed S] [--json PATH]');
  process.exit(2);
}
const log = (line: string) => console.error(`[fuzz ${target}] ${line}`);
const report = target === 'lobby' ? await fuzzLobby({ frames, seed, log }) : await fuzzLink({ frames, seed, log });
console.log(JSON.stringify(report, null, 2));
if (values.json !== undefined) writeFileSync(values.json, `${JSON.stringify(report, null, 2)}\n`);
const held =
  'serverAlive' in report
    ? report.serverAlive && report.escapes.length === 0 && report.honestRoundTrips > 0
    : report.uncaught === 0 && report.linkOpen && report.honestInOrder && report.honestReceived === report.honestSent;
// node-datachannel's threads can outlive the last closed connection: end the run explicitly.
process.exit(held ? 0 : 1);
