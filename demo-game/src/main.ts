/**
 * Gem Rush, the rallypoint demo. `startGame(parent)` builds the whole thing into `parent`; the
 * page calls it once. Phaser is imported dynamically so it loads as a chunk of its own.
 */
import { createLobby } from '@rallypoint/lobby';
import { normalizeRoomCode } from '@rallypoint/protocol';
import type { DemoContext } from './context.js';
import { createDebugOverlay, type ConnectMode } from './debug-overlay.js';
import { exposeDebugHandle } from './debug-handle.js';
import { createDemoLog } from './log.js';
import type { DemoTypes } from './net/protocol.js';
import { ARENA, ROUND_MS } from './rules.js';
import { createReconnectBanner } from './reconnect-banner.js';
import { chooseRenderer } from './renderer.js';
import { createSounds, muteButton } from './sound.js';
import { createStick } from './stick.js';
import { createUi } from './ui.js';
import { createVoiceBar } from './voice-bar.js';

export async function startGame(parent: HTMLElement): Promise<void> {
  const params = new URLSearchParams(location.search);
  const invite = params.get('room');
  const roundSeconds = Number(params.get('round') ?? ROUND_MS / 1000);
  // `?relay=turn` (or `1`): every link through the room's TURN server; `?relay=lobby`: through
  // the lobby server's relay (the overlay's "connect" choice).
  const relayParam = params.get('relay');
  const mode: ConnectMode = relayParam === 'turn' || relayParam === '1' ? 'turn' : relayParam === 'lobby' ? 'lobby' : 'auto';
  const connectOptions = mode === 'turn' ? { iceTransportPolicy: 'relay' as const } : mode === 'lobby' ? { relay: 'always' as const } : {};
  const log = createDemoLog();
  const ctx: DemoContext = {
    lobby: createLobby<DemoTypes>({ url: location.origin, origin: location.origin, logger: log.logger, link: { heartbeatTimeoutMs: 3000 }, ...connectOptions }),
    log,
    ui: createUi(parent),
    sounds: createSounds(),
    stick: createStick(parent),
    name: localStorage.getItem('rallypoint-demo-name') ?? `Player ${Math.floor(100 + Math.random() * 900)}`,
    session: undefined,
    match: undefined,
    inviteCode: invite === null ? undefined : normalizeRoomCode(invite),
    lastScores: [],
    endNote: undefined,
    matchListener: undefined,
    lastView: undefined,
    roundMs: Number.isFinite(roundSeconds) ? Math.min(300, Math.max(10, roundSeconds)) * 1000 : ROUND_MS,
    scene: 'loading',
    renderer: undefined,
  };
  exposeDebugHandle(ctx);
  createDebugOverlay(ctx, parent, mode);
  createVoiceBar(ctx, parent);
  parent.append(muteButton(ctx.sounds));
  createReconnectBanner(ctx);
  window.addEventListener('beforeunload', () => localStorage.setItem('rallypoint-demo-name', ctx.name));

  const renderer = chooseRenderer(params.get('renderer'));
  ctx.renderer = renderer;
  const Phaser = await import('phaser');
  const { TitleScene } = await import('./scenes/title-scene.js');
  const { RoomScene } = await import('./scenes/room-scene.js');
  const { GameScene } = await import('./scenes/game-scene.js');
  const { GameOverScene } = await import('./scenes/game-over-scene.js');
  new Phaser.Game({
    type: renderer === 'canvas' ? Phaser.CANVAS : Phaser.WEBGL,
    parent,
    width: ARENA.width,
    height: ARENA.height,
    backgroundColor: '#14213d',
    scale: { mode: Phaser.Scale.FIT, autoCenter: Phaser.Scale.CENTER_BOTH },
    // No banner in the console, nothing fetched from elsewhere.
    banner: false,
    // The game's sounds are its own WebAudio (sound.ts), which waits for a gesture; Phaser's would not.
    audio: { noAudio: true },
    scene: [new TitleScene(ctx), new RoomScene(ctx), new GameScene(ctx), new GameOverScene(ctx)],
  });
}

const root = document.getElementById('game');
if (root !== null) void startGame(root);
