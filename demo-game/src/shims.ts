// Node globals that simple-peer (and its readable-stream) expect, from their browser ports.
import { Buffer } from 'buffer';
// @ts-expect-error -- the `process` shim ships no types; only its presence matters here.
import process from 'process';

const g = globalThis as { Buffer?: unknown; process?: unknown };
g.Buffer ??= Buffer;
g.process ??= process;
export { Buffer, process };
