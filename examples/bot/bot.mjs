// A headless player in Node: joins a room by code and circles its dot, sending state at 20 Hz.
// node bot.mjs <lobby url> <room code>   (needs @rallypoint/lobby and node-datachannel installed)
import { createLobby } from '@rallypoint/lobby/node';

const [url = 'http://localhost:2567', code] = process.argv.slice(2);
if (code === undefined) {
  console.error('usage: node bot.mjs <lobby url> <room code>');
  process.exit(2);
}
const session = await createLobby({ url }).join(code, { name: 'bot' });
console.log(`bot joined room ${session.code} as ${session.me.id}`);
session.on('linkOpen', ({ peerId }) => console.log(`bot linked to ${peerId}`));

let t = 0;
const timer = setInterval(() => {
  t += 0.05;
  session.sendState({ x: 240 + Math.cos(t) * 100, y: 160 + Math.sin(t) * 100 });
}, 50);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, async () => {
    clearInterval(timer);
    await session.leave();
    process.exit(0);
  });
}
