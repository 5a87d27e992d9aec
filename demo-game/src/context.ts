/**
 * What the scenes share: the lobby, the current room session and match, the page's UI layer.
 * Made once by `startGame` and handed to each scene (no module state).
 */
import type { Lobby, RoomSession } from '@rallypoint/lobby';
import type { DemoTypes } from './net/protocol.js';
import type { Match, MatchEvents, MatchView } from './net/match.js';
import type { DemoLog } from './log.js';
import type { Sounds } from './sound.js';
import type { Stick } from './stick.js';
import type { Ui } from './ui.js';

export interface DemoContext {
  lobby: Lobby<DemoTypes>;
  /** Where the lobby, the links and the netcode write what goes wrong. */
  log: DemoLog;
  ui: Ui;
  /** The game's sound effects (silent until the first gesture, or when muted). */
  sounds: Sounds;
  /** The thumb stick under the arena on phones held upright. */
  stick: Stick;
  name: string;
  session: RoomSession<DemoTypes> | undefined;
  match: Match | undefined;
  /** Room code from `?room=` to join at once. */
  inviteCode: string | undefined;
  /** The last scores, for the game-over scene. */
  lastScores: { name: string; score: number; color: number }[];
  /** Why the last game ended early, if it did. */
  endNote: string | undefined;
  /** The scene that wants the current match's events (errors go to `log`). */
  matchListener: Omit<MatchEvents, 'error'> | undefined;
  /** What the game scene drew last (read by the debug handle). */
  lastView: MatchView | undefined;
  /** Round length (`?round=SECONDS`, 10–300; default 60 s): the host's choice applies. */
  roundMs: number;
  /** What Phaser draws with (renderer.ts), once chosen. */
  renderer: 'webgl' | 'canvas' | undefined;
  /** The scene showing now. */
  scene: string;
}

/**
 * Call `listener` with each new room session the moment it is set (and undefined when the room is
 * left): for what must hear a session's events from its first, e.g. the reconnecting banner.
 */
export function onSessionChange(ctx: DemoContext, listener: (session: DemoContext['session']) => void): void {
  let current = ctx.session;
  Object.defineProperty(ctx, 'session', {
    get: () => current,
    set: (session: DemoContext['session']) => {
      if (session === current) return;
      current = session;
      listener(session);
    },
    configurable: true,
    enumerable: true,
  });
}
