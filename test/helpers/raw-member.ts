/**
 * A colyseus.js client that sends whatever it likes into a game room and records everything the
 * server sends back: the hostile client of the lobby tests, and a bare honest one beside it.
 */
import { Client, type Room } from 'colyseus.js';
import { ServerMessage, type ErrorPayload, type WelcomePayload } from '@rallypoint/protocol';
import { until } from './wait.js';

export interface RawMember {
  room: Room;
  welcome: WelcomePayload;
  readonly id: string;
  errors: ErrorPayload[];
  signals: { from: string; data: { type: string; n?: number } }[];
  /** Every message the server sent, as [type, payload]. */
  received: [string | number, unknown][];
  readonly closedWith: number | undefined;
  /** Send, then wait for the next error. */
  expectError(send: () => void): Promise<ErrorPayload>;
  /** Write bytes (or text) to the WebSocket, bypassing colyseus.js' framing. */
  sendRaw(bytes: Uint8Array | string): void;
}

export async function rawMember(url: string, join: (client: Client) => Promise<Room>): Promise<RawMember> {
  const room = await join(new Client(url));
  const errors: ErrorPayload[] = [];
  const signals: RawMember['signals'] = [];
  const received: RawMember['received'] = [];
  let welcome: WelcomePayload | undefined;
  let closedWith: number | undefined;
  // A handler per type (colyseus.js gives '*' only the types without one, and a test may add its own).
  for (const type of Object.values(ServerMessage)) {
    room.onMessage(type, (payload: unknown) => {
      received.push([type, payload]);
      if (type === ServerMessage.Welcome) welcome = payload as WelcomePayload;
      if (type === ServerMessage.Error) errors.push(payload as ErrorPayload);
      if (type === ServerMessage.Signal) signals.push(payload as RawMember['signals'][number]);
    });
  }
  room.onMessage('*', (type, payload: unknown) => received.push([type, payload]));
  room.onLeave((code) => (closedWith = code));
  await until(() => welcome !== undefined, 'welcome');
  return {
    room,
    welcome: welcome!,
    errors,
    signals,
    received,
    get id() {
      return welcome!.you;
    },
    get closedWith() {
      return closedWith;
    },
    async expectError(send) {
      const before = errors.length;
      send();
      await until(() => errors.length > before, 'an error reply', 5000);
      return errors[before]!;
    },
    sendRaw(bytes) {
      (room.connection.transport as unknown as { ws: { send(data: Uint8Array | string): void } }).ws.send(bytes);
    },
  };
}

/** Colyseus' protocol codes for room messages. */
export const ROOM_DATA = 13;
export const ROOM_DATA_BYTES = 17;

/** Colyseus' frame for a room message: protocol code, msgpack type name, msgpack payload bytes. */
export function roomFrame(code: number, type: string | number, payload: ArrayLike<number> = []): Uint8Array {
  const head = typeof type === 'number' ? [type] : [0xa0 | type.length, ...Buffer.from(type)];
  return new Uint8Array([code, ...head, ...Array.from(payload)]);
}
