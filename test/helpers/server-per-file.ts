/**
 * One lobby server for a whole test file: started before its first test, stopped after its last,
 * which must end it cleanly (exit code 0). Vitest hooks, so only for test files (benchmarks and
 * fuzzers start their servers with startServer).
 */
import { afterAll, beforeAll, expect } from 'vitest';
import { startServer, type ServerProcess } from './lobby-server.js';

export function serverForFile(args: string[] = []): () => ServerProcess {
  let server: ServerProcess | undefined;
  beforeAll(async () => {
    server = await startServer(args);
  });
  afterAll(async () => {
    expect(await server?.stop()).toBe(0);
  });
  return () => {
    if (server === undefined) throw new Error('the server starts before the first test');
    return server;
  };
}
