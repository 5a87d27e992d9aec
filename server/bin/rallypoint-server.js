#!/usr/bin/env node
// The rallypoint-server command. A file of its own (not dist/cli.js itself) so that npm can link
// it in a fresh clone, where `npm ci` links binaries before its prepare script builds dist/.
import { existsSync } from 'node:fs';

const cli = new URL('../dist/cli.js', import.meta.url);
if (!existsSync(cli)) {
  console.error('rallypoint-server is not built yet: run `npm run build` (in a clone, `npm ci` does it).');
  process.exit(1);
}
await import(cli.href);
