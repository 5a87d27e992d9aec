/**
 * Opens a link pair, closes it, waits out the goodbye grace period, and prints what still keeps
 * the process alive (process.getActiveResourcesInfo()). A closed link must leave no timers.
 */
import { createLink } from '@rallypoint/core/node';

const a = createLink({ initiator: true });
const b = createLink({ initiator: false });
a.on('signal', (data) => b.signal(data));
b.on('signal', (data) => a.signal(data));
await Promise.all([new Promise((r) => a.once('open', r)), new Promise((r) => b.once('open', r))]);
a.close();
b.close();
await new Promise((r) => setTimeout(r, 500));
process.stdout.write(`${JSON.stringify(process.getActiveResourcesInfo())}\n`);
