/**
 * Runs around every test file (vitest `setupFiles`). Suite-wide rule: a lobby server under test
 * must never log an uncaught exception or an unhandled rejection; the test during which one
 * appeared fails, naming it. Servers that have exited are checked once more, then dropped; any
 * still running when a file ends (its test failed before stopping it) are killed.
 */
import { afterAll, afterEach } from 'vitest';
import { liveServers } from './helpers/lobby-server.js';

afterEach(() => {
  const escapes: string[] = [];
  for (const server of liveServers) {
    escapes.push(...server.takeEscapes());
    if (server.child.exitCode !== null || server.child.signalCode !== null) liveServers.delete(server);
  }
  if (escapes.length > 0) throw new Error(`the lobby server under test logged what escaped its handlers:\n${escapes.join('\n')}`);
});

// A test that failed before stopping its server must not leave the process behind.
afterAll(() => {
  for (const server of liveServers) if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGKILL');
});
