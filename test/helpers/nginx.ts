/**
 * Real nginx (Debian's) in front of the lobby, with the configuration the deploy guide hands out
 * (deploy/nginx-rallypoint.conf), changed only where a test must: its ports on loopback (https and
 * plain http), the lobby's port, a test certificate, its own webroot for Let's Encrypt's
 * challenges, no IPv6, and (`proxyFrom`) the address it connects to the lobby from, so the lobby
 * can tell the proxy from the players.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from './repo.js';
import { until } from './wait.js';

export interface Nginx {
  readonly url: string;
  readonly port: number;
  /** Its plain-http server, which answers ACME challenges from `webroot` and redirects the rest. */
  readonly httpUrl: string;
  /** Where certbot --webroot would write its challenge files. */
  readonly webroot: string;
  stop(): Promise<void>;
}

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.once('error', reject);
  });

/** The deploy guide's file with the test's names: every change is an exact line, or this throws. */
export function testConfig(options: { port: number; httpPort: number; webroot: string; lobbyPort: number; certFile: string; keyFile: string; proxyFrom: string }): string {
  let text = readFileSync(join(repoRoot(), 'deploy/nginx-rallypoint.conf'), 'utf8');
  const swap = (line: string, by: string) => {
    if (!text.includes(line)) throw new Error(`deploy/nginx-rallypoint.conf no longer has "${line.trim()}"`);
    text = text.replace(line, by);
  };
  swap('    server 127.0.0.1:2567;', `    server 127.0.0.1:${options.lobbyPort};`);
  swap('    listen 443 ssl;', `    listen 127.0.0.1:${options.port} ssl;`);
  swap('    listen [::]:443 ssl;\n', '');
  swap('    server_name lobby.example.org;       # your lobby\'s name', '    server_name localhost;');
  swap('    ssl_certificate     /etc/letsencrypt/live/lobby.example.org/fullchain.pem;', `    ssl_certificate     ${options.certFile};`);
  swap('    ssl_certificate_key /etc/letsencrypt/live/lobby.example.org/privkey.pem;', `    ssl_certificate_key ${options.keyFile};`);
  swap('        proxy_buffering off;', `        proxy_buffering off;\n        proxy_bind ${options.proxyFrom};`);
  swap('    listen 80 default_server;', `    listen 127.0.0.1:${options.httpPort} default_server;`);
  swap('    listen [::]:80 default_server;\n', '');
  swap('        root /var/www/html;', `        root ${options.webroot};`);
  return text;
}

export async function startNginx(options: { lobbyPort: number; certFile: string; keyFile: string; proxyFrom: string }): Promise<Nginx> {
  const dir = mkdtempSync(join(tmpdir(), 'rallypoint-nginx-'));
  for (const temp of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(join(dir, temp));
  const port = await freePort();
  let httpPort = await freePort();
  while (httpPort === port) httpPort = await freePort();
  // Its workers run as nobody: they read the webroot as they would /var/www/html.
  chmodSync(dir, 0o755);
  const webroot = join(dir, 'www');
  mkdirSync(webroot);
  const main = `worker_processes 1;
error_log ${join(dir, 'error.log')} warn;
pid ${join(dir, 'nginx.pid')};
events { worker_connections 512; }
http {
  access_log off;
  client_body_temp_path ${join(dir, 'body')};
  proxy_temp_path ${join(dir, 'proxy')};
  fastcgi_temp_path ${join(dir, 'fastcgi')};
  uwsgi_temp_path ${join(dir, 'uwsgi')};
  scgi_temp_path ${join(dir, 'scgi')};
${testConfig({ ...options, port, httpPort, webroot })}
}
`;
  writeFileSync(join(dir, 'nginx.conf'), main);
  const child: ChildProcess = spawn('nginx', ['-p', dir, '-c', join(dir, 'nginx.conf'), '-g', 'daemon off;'], { stdio: ['ignore', 'ignore', 'pipe'] });
  const stderr: string[] = [];
  child.stderr!.on('data', (chunk: Buffer) => stderr.push(chunk.toString()));
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  // nginx writes its pid file once its sockets are bound.
  await until(() => {
    if (child.exitCode !== null) throw new Error(`nginx exited: ${stderr.join('')}`);
    return existsSync(join(dir, 'nginx.pid'));
  }, 'nginx listens', 10_000);
  return {
    url: `https://127.0.0.1:${port}`,
    port,
    httpUrl: `http://127.0.0.1:${httpPort}`,
    webroot,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
