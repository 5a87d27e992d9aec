/**
 * `npm run bench -- [scenario ...] [--json=PATH]`: runs the named scenarios (all by default; a
 * name may hold `*`, as in `peers.*`),
 * prints a table, and with --json writes `{ "<scenario>": { "<metric>": number } }`.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { Metrics, Scenario } from './harness.js';
import { linkScenarios } from './link.bench.js';
import { lobbyScenarios } from './lobby.bench.js';
import { syncScenarios } from './sync.bench.js';
import { browserScenarios } from './browser.bench.js';
import { hostileScenarios } from './hostile.bench.js';
import { netScenarios } from './net.bench.js';
import { relayScenarios } from './relay.bench.js';
import { upgradeScenarios } from './upgrade.bench.js';
import { bundleScenarios } from './bundle.bench.js';
import { peersScenarios } from './peers.bench.js';
import { voiceScenarios } from './voice.bench.js';

const scenarios: Scenario[] = [...linkScenarios, ...lobbyScenarios, ...hostileScenarios, ...syncScenarios, ...browserScenarios, ...netScenarios, ...relayScenarios, ...upgradeScenarios, ...bundleScenarios, ...peersScenarios, ...voiceScenarios];

const { values, positionals } = parseArgs({
  args: process.argv.slice(2),
  options: { json: { type: 'string' }, list: { type: 'boolean' } },
  allowPositionals: true,
});

if (values.list === true) {
  for (const s of scenarios) console.log(`${s.name.padEnd(26)} ${s.description}`);
  process.exit(0);
}

/** A name, or a pattern with `*` (`peers.*`: every peers scenario). */
const matches = (pattern: string, name: string): boolean =>
  pattern.includes('*') ? new RegExp(`^${pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`).test(name) : pattern === name;
const unknown = positionals.filter((pattern) => !scenarios.some((s) => matches(pattern, s.name)));
if (unknown.length > 0) {
  console.error(`Unknown scenario(s): ${unknown.join(', ')}. Known: ${scenarios.map((s) => s.name).join(', ')}`);
  process.exit(2);
}

const selected = positionals.length === 0 ? scenarios : scenarios.filter((s) => positionals.some((pattern) => matches(pattern, s.name)));
const results: Record<string, Metrics> = {};
for (const scenario of selected) {
  process.stdout.write(`${scenario.name}: ${scenario.description} ... `);
  const t0 = performance.now();
  results[scenario.name] = await scenario.run();
  console.log(`${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

console.log('');
console.log(`${'scenario'.padEnd(26)}${'metric'.padEnd(34)}value`);
for (const [name, metrics] of Object.entries(results)) {
  for (const [metric, value] of Object.entries(metrics)) console.log(`${name.padEnd(26)}${metric.padEnd(34)} ${value}`);
}
if (values.json !== undefined) {
  writeFileSync(values.json, `${JSON.stringify(results, null, 2)}\n`);
  console.log(`\nwrote ${values.json}`);
}
// node-datachannel's threads can outlive the last closed connection: end the run explicitly.
process.exit(0);
