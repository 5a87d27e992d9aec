// Players moving dots, through the rallypoint lobby: no framework, one file. Mesh: everyone
// links to everyone (the default, star, links everyone to the host only).
// Build: npx esbuild main.js --bundle --format=esm --outfile=dist/main.js
import { createLobby } from '@rallypoint/lobby';

const lobby = createLobby({ url: location.origin });
const code = new URLSearchParams(location.search).get('room');
const session = code === null ? await lobby.create({ name: 'dots', topology: 'mesh', maxPlayers: 8 }) : await lobby.join(code, { name: 'dots' });
document.querySelector('#status').textContent = `room ${session.code}: ${session.inviteLink}`;

const me = { x: 40 + Math.random() * 400, y: 40 + Math.random() * 240 };
const others = new Map(); // member id → { x, y }
session.on('linkOpen', ({ peerId, link }) => link.state.onMessage(({ payload }) => others.set(peerId, payload)));
session.on('memberLeft', ({ member }) => others.delete(member.id));

const keys = new Set();
addEventListener('keydown', (e) => keys.add(e.key));
addEventListener('keyup', (e) => keys.delete(e.key));
setInterval(() => {
  me.x += ((keys.has('ArrowRight') ? 1 : 0) - (keys.has('ArrowLeft') ? 1 : 0)) * 4;
  me.y += ((keys.has('ArrowDown') ? 1 : 0) - (keys.has('ArrowUp') ? 1 : 0)) * 4;
  session.sendState(me); // to every linked player, newest wins
}, 50);

const g = document.querySelector('#arena').getContext('2d');
requestAnimationFrame(function draw() {
  g.clearRect(0, 0, 480, 320);
  for (const [dot, color] of [...[...others.values()].map((o) => [o, '#e63946']), [me, '#1d3557']]) {
    g.fillStyle = color;
    g.beginPath();
    g.arc(dot.x, dot.y, 8, 0, Math.PI * 2);
    g.fill();
  }
  requestAnimationFrame(draw);
});
window.dots = { session, me, others }; // for the curious (and the tests)
