import { Emitter, type Logger } from '@rallypoint/core';
import { ListingMessage, type RoomListing } from '@rallypoint/protocol';
import type { LobbyRoom as ColyseusRoom } from './colyseus-room.js';
import { LobbyUnavailableError } from './errors.js';

/** What Colyseus' listing sends for one room. */
interface ColyseusListing {
  roomId: string;
  clients: number;
  maxClients: number;
  metadata?: { mode?: string; topology?: RoomListing['topology']; hostName?: string };
}

/** The events of a `RoomList`. */
export interface RoomListEvents {
  /** The list changed (a room appeared, filled up, emptied or went away). */
  change: readonly RoomListing[];
}

/** The live list of public rooms, kept up to date by the lobby until `close()`. */
export class RoomList {
  readonly #rooms = new Map<string, RoomListing>();
  readonly #emitter: Emitter<RoomListEvents>;
  readonly #ready: Promise<void>;

  constructor(
    private readonly room: ColyseusRoom,
    logger: Logger,
  ) {
    this.#emitter = new Emitter((name, error) => logger.warn({ err: error, event: name }, 'a room list listener threw'));
    this.#ready = new Promise((resolve, reject) => {
      room.onMessage(ListingMessage.Rooms, (rooms: ColyseusListing[]) => {
        this.#rooms.clear();
        for (const item of rooms) this.#rooms.set(item.roomId, toListing(item));
        this.#changed();
        resolve();
      });
      // Settles nothing once the first list is in (a promise settles once).
      room.onLeave((code) => reject(new LobbyUnavailableError(`the lobby connection closed before the first list (code ${code})`, code)));
    });
    this.#ready.catch(() => undefined); // handled by whoever awaits ready()
    room.onMessage(ListingMessage.Upsert, ([code, item]: [string, ColyseusListing]) => {
      this.#rooms.set(code, toListing(item));
      this.#changed();
    });
    room.onMessage(ListingMessage.Remove, (code: string) => {
      if (this.#rooms.delete(code)) this.#changed();
    });
  }

  /** Resolves once the first full list has arrived; rejects (`LobbyUnavailableError`) if the connection ends first. */
  ready(): Promise<this> {
    return this.#ready.then(() => this);
  }

  /** Public rooms, fullest first. */
  get rooms(): readonly RoomListing[] {
    return [...this.#rooms.values()].sort((a, b) => b.clients - a.clients || a.code.localeCompare(b.code));
  }

  on<K extends keyof RoomListEvents>(name: K, fn: (event: RoomListEvents[K]) => void): () => void {
    return this.#emitter.on(name, fn);
  }

  /** Only list rooms of this mode (or every mode). */
  setFilter(filter: { mode?: string }): void {
    this.room.send(ListingMessage.Filter, filter);
  }

  async close(): Promise<void> {
    this.#emitter.clear();
    await this.room.leave(true).catch(() => undefined);
  }

  #changed(): void {
    this.#emitter.emit('change', this.rooms);
  }
}

function toListing(item: ColyseusListing): RoomListing {
  return {
    code: item.roomId,
    clients: item.clients,
    maxClients: item.maxClients,
    mode: item.metadata?.mode ?? 'default',
    topology: item.metadata?.topology ?? 'star',
    hostName: item.metadata?.hostName ?? '',
  };
}
