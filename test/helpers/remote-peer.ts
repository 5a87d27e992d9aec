/**
 * A link in its own process, for tests that need a peer to die for real (SIGKILL: no goodbye,
 * no SCTP shutdown). Signals travel as JSON lines: stdin in, stdout out. It echoes state back.
 */
import { createLink } from '@rallypoint/core/node';
import { createInterface } from 'node:readline';

const link = createLink<{ state: { n: number } }>({ initiator: false });
const write = (message: object) => process.stdout.write(`${JSON.stringify(message)}\n`);
link.on('signal', (signal) => write({ signal }));
link.on('open', () => write({ open: true }));
link.on('close', ({ reason }) => {
  write({ closed: reason });
  process.exit(0);
});
link.state.onMessage(({ payload }) => link.state.send(payload));
createInterface({ input: process.stdin }).on('line', (line) => {
  const message = JSON.parse(line) as { signal?: Parameters<typeof link.signal>[0] };
  if (message.signal !== undefined) link.signal(message.signal);
});
