// `npm test`: the whole suite. Checks what the machine must have, type-checks everything (tests
// included), runs vitest, and ends with one plain summary line: "N passed, N failed, N skipped".
// Nothing is skipped silently: a missing system package stops the run with what to install.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const run = (command, args) => spawnSync(command, args, { cwd: root, stdio: 'inherit' }).status ?? 1;

// System packages the suite needs, by command. As root they are installed from Debian's apt;
// otherwise the run stops and says what to install. Nothing is skipped.
const systemRequirements = [
  { command: 'chromium', apt: 'chromium', for: 'browser tests (playwright-core drives Debian Chromium)' },
  { command: 'firefox-esr', apt: 'firefox-esr', for: 'the Chromium + Firefox browser test (puppeteer-core)' },
  { command: 'ip', apt: 'iproute2', for: 'the network lab (namespaces, veth; test/helpers/netlab)' },
  { command: 'ss', apt: 'iproute2', for: 'the network lab (waiting for coturn to listen)' },
  { command: 'nft', apt: 'nftables', for: 'the network lab (NAT, loss, blocked UDP)' },
  { command: 'turnserver', apt: 'coturn', for: 'the TURN tests (real coturn in the network lab)' },
  { command: 'redis-server', apt: 'redis-server', for: 'the cluster tests (three lobby processes on a real Redis)' },
  { command: 'openssl', apt: 'openssl', for: 'the TLS tests (self-signed certificates made per run)' },
  { command: 'systemd-analyze', apt: 'systemd', for: "the deploy guide's systemd unit check" },
  { command: 'nginx', apt: 'nginx-light', for: "the reverse-proxy test (the deploy guide's nginx in front of the lobby)" },
];
const isMissing = (r) => spawnSync('sh', ['-c', `command -v ${r.command}`]).status !== 0;
let missing = systemRequirements.filter(isMissing);
if (missing.length > 0 && process.getuid?.() === 0) {
  const packages = [...new Set(missing.map((r) => r.apt))];
  console.log(`> apt-get install -y ${packages.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  spawnSync('apt-get', ['install', '-y', '-qq', ...packages], { stdio: 'inherit', env });
  missing = systemRequirements.filter(isMissing);
}
if (missing.length > 0) {
  for (const r of missing) console.error(`missing: ${r.command} (for ${r.for}) — install with: apt-get install -y ${r.apt}`);
  console.error('Run `npm test` (or `bash .ci/run`) as root to install them, or install them yourself.');
  process.exit(1);
}

console.log('> typecheck (tsc -b, tests included)');
if (run('npx', ['tsc', '-b']) !== 0) {
  console.error('typecheck failed');
  process.exit(1);
}

// The packaging tests pack what is built: build once here, not in each test process at once.
console.log('> build (every package, and the API doc check)');
if (run('npm', ['run', 'build', '--silent']) !== 0) {
  console.error('build failed');
  process.exit(1);
}

const reportDir = mkdtempSync(join(tmpdir(), 'rallypoint-test-'));
const report = join(reportDir, 'vitest.json');
console.log('> vitest');
const status = run('npx', ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...process.argv.slice(2)]);
let summary;
try {
  summary = JSON.parse(readFileSync(report, 'utf8'));
} catch {
  console.error('vitest wrote no report');
  process.exit(status === 0 ? 1 : status);
} finally {
  rmSync(reportDir, { recursive: true, force: true });
}
// A file that failed to load or whose worker died has no failed tests of its own: count it.
const brokenFiles = summary.testResults.filter((file) => file.status === 'failed' && !file.assertionResults.some((t) => t.status === 'failed'));
for (const file of brokenFiles) console.error(`failed to run: ${file.name}: ${file.message}`);
const skipped = (summary.numPendingTests ?? 0) + (summary.numTodoTests ?? 0);
const failed = summary.numFailedTests + brokenFiles.length;
console.log(`${summary.numPassedTests} passed, ${failed} failed, ${skipped} skipped`);
if (failed > 0 && status === 0) process.exit(1);
if (summary.numTotalTests === 0) {
  console.error('no tests ran');
  process.exit(1);
}
process.exit(status);
