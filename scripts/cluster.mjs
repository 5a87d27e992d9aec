// `npm run cluster`: a lobby of several processes on one Redis, behind one port, for local trials.
// Starts redis-server (Debian's `redis-server` package; or uses --redis URL), N lobby processes
// on the ports after --port, each handing out its own address for its rooms' sockets, and the
// front door (front-door.mjs) on --port for HTTP. Ctrl-C (or SIGTERM) drains every process, then
// stops Redis. Players open the front door's URL, as with `npm start`.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startFrontDoor } from './front-door.mjs';

const root = resolve(import.meta.dirname, '..');
const { values: args } = parseArgs({
  options: {
    processes: { type: 'string', default: '3' },
    port: { type: 'string', default: '2567' },
    host: { type: 'string', default: '127.0.0.1' },
    'public-host': { type: 'string' },
    redis: { type: 'string', default: process.env.RALLYPOINT_REDIS_URL },
    help: { type: 'boolean', short: 'h' },
  },
});
if (args.help) {
  console.log(`Usage: npm run cluster -- [--processes N] [--port P] [--host H] [--public-host NAME] [--redis URL]
  --processes    lobby processes (default 3), on the ports after --port (any free ports with --port 0)
  --port         the front door's port, where players connect (default 2567)
  --host         interface the lobby processes listen on (default 127.0.0.1; 0.0.0.0 for the LAN, with --public-host)
  --public-host  the name or address other machines reach this one by, for the rooms' sockets
  --redis        use this Redis instead of starting redis-server (also RALLYPOINT_REDIS_URL)`);
  process.exit(0);
}
const count = Number(args.processes);
const frontPort = Number(args.port);
if (!Number.isInteger(count) || count < 1 || !Number.isInteger(frontPort) || frontPort < 0) {
  console.error('--processes must be 1 or more, --port a port number');
  process.exit(2);
}
if ((args.host === '0.0.0.0' || args.host === '::') && args['public-host'] === undefined) {
  console.error(`--host ${args.host} needs --public-host: the address other machines reach this one by`);
  process.exit(2);
}
const cli = resolve(root, 'server/dist/cli.js');
if (!existsSync(cli)) {
  console.error('server/dist/cli.js is missing: run `npm run build` first (npm run cluster does)');
  process.exit(1);
}

const children = [];
let redisUrl = args.redis;
if (redisUrl === undefined) {
  if (spawnSync('sh', ['-c', 'command -v redis-server']).status !== 0) {
    console.error('redis-server is not installed: apt-get install -y redis-server (or pass --redis URL)');
    process.exit(1);
  }
  const port = await freePort();
  const redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'ignore', 'inherit'] });
  children.push(redis);
  redisUrl = `redis://127.0.0.1:${port}`;
  await waitForRedis(port);
}

// Every process shares one restore secret: a process's rooms re-form on the others when it stops.
const secret = process.env.RALLYPOINT_RESTORE_SECRET ?? randomBytes(24).toString('base64url');
const lobbies = [];
for (let i = 1; i <= count; i += 1) {
  const port = frontPort === 0 ? 0 : frontPort + i;
  const publicAddress = args['public-host'] === undefined ? [] : ['--public-address', `${args['public-host']}:${port}`];
  const child = spawn(process.execPath, [cli, '--host', args.host, '--port', String(port), '--redis', redisUrl, `--restore-secret=${secret}`, ...publicAddress], { stdio: ['ignore', 'pipe', 'inherit'], env: process.env });
  children.push(child);
  lobbies.push(await listeningUrl(child));
}
const front = await startFrontDoor({ backends: lobbies, port: frontPort, host: args.host === '127.0.0.1' ? '127.0.0.1' : '0.0.0.0' });
const shown = args['public-host'] === undefined ? front.url.replace('127.0.0.1', 'localhost') : `http://${args['public-host']}:${front.port}`;
console.log(`rallypoint cluster listening on ${shown} (port ${front.port}): ${count} lobby processes (${lobbies.join(', ')}) on ${redisUrl}`);

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, async () => {
    if (stopping) return;
    stopping = true;
    await front.close();
    // Lobbies first (each drains: its members are told, and re-form elsewhere or come back), Redis last.
    const lobbyChildren = children.filter((c) => c.spawnfile !== 'redis-server');
    await Promise.all(lobbyChildren.map((c) => stop(c, 'SIGTERM')));
    await Promise.all(children.filter((c) => c.spawnfile === 'redis-server').map((c) => stop(c, 'SIGTERM')));
    process.exit(0);
  });
}
for (const child of children) {
  child.once('exit', (code, signal) => {
    if (stopping) return;
    console.error(`${child.spawnfile} exited (${signal ?? code}); stopping the cluster`);
    process.kill(process.pid, 'SIGTERM');
  });
}

function stop(child, signal) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((done) => {
    child.once('exit', done);
    child.kill(signal);
  });
}

function freePort() {
  return new Promise((done, fail) => {
    const probe = createServer();
    probe.once('error', fail);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => done(port));
    });
  });
}

async function waitForRedis(port) {
  const end = Date.now() + 10_000;
  while (spawnSync('redis-cli', ['-p', String(port), 'ping'], { encoding: 'utf8' }).stdout?.trim() !== 'PONG') {
    if (Date.now() > end) throw new Error(`redis-server did not answer on port ${port}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The URL a lobby process prints once it listens (`rallypoint-server listening on URL (port N)`). */
function listeningUrl(child) {
  return new Promise((done, fail) => {
    let text = '';
    const onData = (chunk) => {
      text += chunk.toString();
      const match = /"msg":"listening"/.test(text) ? /"url":"([^"]+)"/.exec(text) : null;
      if (match === null) return;
      // From here its log goes on to ours.
      child.stdout.off('data', onData);
      child.stdout.pipe(process.stdout);
      done(match[1]);
    };
    child.stdout.on('data', onData);
    child.once('exit', (code) => fail(new Error(`a lobby process exited with ${code} before listening`)));
  });
}
