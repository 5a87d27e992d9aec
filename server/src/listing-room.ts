import { LobbyRoom, type Client, type Room } from '@colyseus/core';
import { ListingFilterSchema, ListingMessage, RoomName, validate, type ListingFilter } from '@rallypoint/protocol';
import { ClientGuard } from './guard.js';
import { refuse, screenMessage, type RoomContext } from './screen.js';

/**
 * The live list of public game rooms: Colyseus' LobbyRoom (its "rooms", "+", "-" messages and
 * realtime updates), with the filter validated and narrowed to game rooms of one mode. The stock
 * filter handler trusts its input; a filter without `metadata` would throw inside a socket handler.
 */
export function createListingRoom(ctx: RoomContext): new () => LobbyRoom {
  return class ListingRoom extends LobbyRoom {
    guards = new WeakMap<Client, ClientGuard>();

    override onJoin(client: Client, options: unknown): void {
      const filter = validate(ListingFilterSchema, options ?? {});
      super.onJoin(client, { filter: toColyseusFilter(filter.ok ? filter.value : {}) });
    }

    protected override _onMessage(client: Parameters<Room['_onMessage']>[0], buffer: Buffer): void {
      let guard = this.guards.get(client);
      if (guard === undefined) this.guards.set(client, (guard = new ClientGuard(ctx.now)));
      const screened = screenMessage(ctx, guard, client, buffer);
      if (screened === 'pass') return super._onMessage(client, buffer);
      if (screened === undefined) return;
      if ('relay' in screened) return refuse(ctx, guard, client, 'unknown_type', 'the listing relays nothing', 'relay');
      if (screened.type !== ListingMessage.Filter) return refuse(ctx, guard, client, 'unknown_type', 'unknown message type', screened.type);
      const filter = validate(ListingFilterSchema, screened.payload);
      if (!filter.ok) return refuse(ctx, guard, client, 'invalid', filter.message, screened.type);
      const options = this.clientOptions[client.sessionId];
      if (options === undefined) return;
      options.filter = toColyseusFilter(filter.value);
      client.send(ListingMessage.Rooms, this.filterItemsForClient(options));
    }

    override onUncaughtException(error: Error, methodName: string): void {
      ctx.logger.error({ err: error, methodName }, 'uncaught exception in the listing room');
    }
  };
}

function toColyseusFilter(filter: ListingFilter) {
  return { name: RoomName.Game, metadata: filter.mode === undefined ? {} : { mode: filter.mode } };
}
