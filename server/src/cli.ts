#!/usr/bin/env node
/**
 * rallypoint-server: the lobby server from the command line. Flags and environment variables are
 * in config.ts (`--help` prints them). Exits 0 after a graceful shutdown on SIGTERM or SIGINT;
 * SIGHUP reloads the TLS certificate.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { ConfigError, parseConfig, usage } from './config.js';
import { startLobbyServer } from './server.js';

// The demo game's build, next to this package in the repository.
const demoBuild = fileURLToPath(new URL('../../demo-game/dist/', import.meta.url));

let config;
try {
  config = parseConfig(process.argv.slice(2), process.env, existsSync(demoBuild) ? demoBuild : undefined);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(error.message);
  process.exit(2);
}
if (config === 'help') {
  console.log(usage());
  process.exit(0);
}
if (config === 'version') {
  // package.json sits beside dist/ in the repository and in the published package alike.
  const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  console.log(version);
  process.exit(0);
}

const logger = pino({ level: config.logLevel, base: { service: 'rallypoint-server' } });
// A last line in the log, in the log's own format, for whatever still escapes every handler.
// After an uncaught exception Node's advice holds: the process state is unknown, so exit (a
// supervisor restarts it, and with --restore-secret the rooms re-form). A rejected promise
// nobody awaited is logged and the rooms carry on.
process.on('uncaughtException', (error) => {
  logger.fatal({ err: error }, 'uncaught exception');
  process.exit(1);
});
process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled rejection'));

let server;
try {
  server = await startLobbyServer({ ...config, logger });
} catch (error) {
  // The port taken, Redis not there: say so in one line, not a stack.
  console.error(`rallypoint-server could not start: ${(error as Error).message}`);
  process.exit(1);
}
// Whatever the log level (silent included): where to find the server, above all with --port 0.
console.log(`rallypoint-server listening on ${server.url} (port ${server.port})`);
// SIGHUP reads --tls-cert and --tls-key again (a renewed certificate), keeping every room; a
// process manager's reload. Without TLS there is nothing to reload, and the process stays up.
process.on('SIGHUP', () => {
  if (config.tls === undefined) return logger.info('SIGHUP: nothing to reload (no --tls-cert)');
  try {
    server.reloadTls();
  } catch (error) {
    logger.error({ err: error }, 'TLS reload failed: still serving the certificate read before');
  }
});
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error('shutdown failed:', error);
        process.exit(1);
      },
    );
  });
}
