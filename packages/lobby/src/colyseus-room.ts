/**
 * What the lobby uses of a colyseus.js `Room`, as a type of its own: so the public types of this
 * package name no Colyseus type, and a game type-checks without Colyseus' declarations (they need
 * Node's types: a browser project would need `@types/node` or `skipLibCheck`). colyseus.js' Room
 * fits it; lobby.ts, where rooms are made, is where the compiler checks that.
 */
export interface LobbyRoom {
  /** Colyseus' room id (the room code is the lobby's own, in the welcome). */
  readonly roomId: string;
  /** What Colyseus reconnects with after a dropped connection; never shown to other members. */
  readonly reconnectionToken: string;
  /** colyseus.js' connection (the relay reads its WebSocket's backlog). */
  readonly connection: unknown;
  send(type: string, message?: unknown): void;
  sendBytes(type: string, bytes: Uint8Array): void;
  // The messages are whatever the server sent: each caller types its handler (hence `any`).
  onMessage(type: string, callback: (message: any) => void): unknown;
  onLeave(callback: (code: number) => void): unknown;
  leave(consented?: boolean): Promise<unknown>;
}
