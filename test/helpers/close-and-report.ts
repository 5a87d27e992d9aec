/**
 * Opens link pairs and closes them, waits out the goodbye grace period, and prints what still
 * keeps the process alive (process.getActiveResourcesInfo()). A closed link must leave no timers,
 * and nothing native either: the process must then exit by itself. Several pairs, one after
 * another, because what held a process open (a node-datachannel channel closed after its
 * connection) came about 1 close in 50.
 */
import { createLink } from '@rallypoint/core/node';

const PAIRS = 6;

for (let pair = 0; pair < PAIRS; pair++) {
  const a = createLink({ initiator: true });
  const b = createLink({ initiator: false });
  a.on('signal', (data) => b.signal(data));
  b.on('signal', (data) => a.signal(data));
  await Promise.all([new Promise((r) => a.once('open', r)), new Promise((r) => b.once('open', r))]);
  a.close();
  b.close();
}
await new Promise((r) => setTimeout(r, 500));
process.stdout.write(`${JSON.stringify(process.getActiveResourcesInfo())}\n`);
