/**
 * A game room: who is in it (join, leave, a seat kept through a dropped connection), its host and
 * lock, the presence and signaling messages between its members, and re-forming after a restart
 * from its members' claims (room-restore.ts). Relay frames between members: room-relay.ts.
 */
import { Room, ServerError, type Client } from '@colyseus/core';
import {
  ClientMessageSchemas,
  CreateOptionsSchema,
  JoinOptionsSchema,
  LobbyErrorCode,
  LobbyLimits,
  RELAY_MESSAGE,
  ServerMessage,
  generateRoomCode,
  validate,
  type ClientMessagePayloads,
  type RoomSettings,
  type ServerMessagePayloads,
  type Restore,
} from '@rallypoint/protocol';
import type { GameRoomApi } from './directory.js';
import { ClientGuard } from './guard.js';
import { relayTerms } from './relay.js';
import { newMember, publicMember, sendTo, type GameRoomContext, type MemberRecord } from './room-parts.js';
import { RoomRelay } from './room-relay.js';
import { refuse, screenMessage } from './screen.js';
import { authorizeJoin, claimOf } from './room-restore.js';
import { iceServersFor } from './turn.js';

export type { GameRoomContext } from './room-parts.js';

type Handlers = { [K in keyof ClientMessagePayloads]: (member: MemberRecord, payload: ClientMessagePayloads[K]) => void };

/**
 * The game room class, closed over the server's context (a class per server instead of module
 * state: Colyseus instantiates rooms itself, so this is where injected parts can reach them).
 */
export function createGameRoom(ctx: GameRoomContext): new () => Room {
  return class GameRoom extends Room implements GameRoomApi {
    code = '';
    /**
     * No room state to patch: Colyseus' default ticks every room 20 times a second for nothing
     * (100,000 timer callbacks a second at 5,000 rooms). 0 sets no timer at all.
     */
    override patchRate = 0;
    settings!: RoomSettings;
    members = new Map<string, MemberRecord>();
    hostId = '';
    nextOrder = 0;
    /** The server is shutting down: nobody waits for a reconnection then. */
    closing = false;
    /**
     * A room re-formed after a restart, while it waits for the members its claim names (`owed`),
     * at most `LobbyLimits.reconnectWindowSeconds`: their places are held (strangers find the room
     * full), it is hidden from quick match, and its lock waits until the end. A member named
     * there comes back with its old join order; afterwards a claim counts as a plain join, so a
     * stranger with the code cannot make itself host by claiming to have been first.
     */
    restoring: { owed: Set<string>; timer: ReturnType<typeof setTimeout> } | undefined;
    /** The host closed the room to new players (Colyseus also locks a full room: that is not this). */
    lockedByHost = false;
    /** Members disconnected for abuse: their restore claims are refused. */
    expelled = new Set<string>();
    /** Renews every member's restore claim before it expires. */
    claimTimer: ReturnType<typeof setInterval> | undefined;
    /** Relay frames between this room's members (room-relay.ts). */
    readonly relay = new RoomRelay({
      ctx,
      code: () => this.code,
      member: (id) => this.members.get(id),
      members: () => this.members.values(),
      restoring: () => this.restoring !== undefined,
    });
    /** Guards of clients that are not members (yet): messages before the join completes. */
    strangers = new WeakMap<Client, ClientGuard>();

    /** A restore claim is proven before Colyseus reserves a seat (see room-restore.ts). */
    static override async onAuth(_token: string, options: unknown) {
      return authorizeJoin(ctx, options);
    }

    override async onCreate(options: unknown): Promise<void> {
      const result = validate(CreateOptionsSchema, options);
      if (!result.ok) throw new ServerError(LobbyErrorCode.InvalidRoomOptions, result.message);
      if (ctx.draining()) throw new ServerError(LobbyErrorCode.ServerShuttingDown, 'this lobby process is shutting down');
      const { name: _name, restore, ...asked } = result.value;
      // A re-formed room is the room that was: settings, lock and host from the proven claim,
      // whatever the options beside it ask for.
      const settings = restore?.room.settings ?? asked;
      this.settings = settings;
      if (restore !== undefined) {
        // onAuth proved the claim, code included: Colyseus's matchmaker calls it with these same
        // options before it creates a room (create and joinOrCreate alike).
        if (!(await ctx.directory.claim(restore.code))) throw new ServerError(LobbyErrorCode.RoomCodeTaken, `room ${restore.code} already exists`);
        this.code = restore.code;
        this.hostId = restore.room.hostId;
        this.lockedByHost = restore.room.locked;
        this.restoring = { owed: new Set(restore.room.members), timer: setTimeout(() => this.endRestore(), LobbyLimits.reconnectWindowSeconds * 1000) };
        // Quick match filters on the listing's mode, which Colyseus took from the options.
        Object.assign(this.listing, { mode: settings.mode });
      } else {
        do this.code = generateRoomCode(ctx.randomInt);
        while (!(await ctx.directory.claim(this.code)));
      }
      this.roomId = this.code;
      ctx.directory.local.set(this.code, this);
      this.maxClients = settings.maxPlayers;
      // Hidden while it re-forms: a quick match would only find its places held.
      void this.setPrivate(settings.private || this.restoring !== undefined);
      void this.setMetadata({ mode: settings.mode, topology: settings.topology, hostName: '' });
      this.claimTimer = setInterval(() => this.renewClaims(), (ctx.restoreTokens.claimSeconds * 1000) / 3);
      ctx.logger.info({ code: this.code, ...settings, restored: restore !== undefined }, 'room created');
    }

    override onJoin(client: Client, options: unknown): void {
      const result = validate(JoinOptionsSchema, options);
      if (!result.ok) throw new ServerError(LobbyErrorCode.InvalidJoinOptions, result.message);
      const { name, restore } = result.value;
      if (this.members.has(client.sessionId)) throw new ServerError(LobbyErrorCode.MemberStillPresent, 'that member id is in the room already');
      if (restore !== undefined && restore.code !== this.code) throw new ServerError(LobbyErrorCode.RestoreRefused, `the restore claim is for room ${restore.code}`);
      if (restore !== undefined && this.expelled.has(restore.memberId)) {
        ctx.metrics.restoresRefused.inc();
        throw new ServerError(LobbyErrorCode.RestoreRefused, 'this member was disconnected for abuse');
      }
      const owed = this.restoring?.owed;
      const restoring = restore !== undefined && owed?.has(client.sessionId) === true;
      if (owed !== undefined && !restoring) {
        // The places of members coming back are theirs: nobody else takes them, or a lock they made.
        if (this.lockedByHost) throw new ServerError(LobbyErrorCode.RoomClosed, `room ${this.code} is closed to new players`);
        if (this.members.size + owed.size >= this.settings.maxPlayers) throw new ServerError(LobbyErrorCode.RoomFull, `room ${this.code} is full`);
      }
      owed?.delete(client.sessionId);
      const order = restoring ? restore.order : this.nextOrder;
      this.nextOrder = Math.max(this.nextOrder, order + 1);
      const member = newMember(ctx, client, { id: client.sessionId, name, ready: false, order }, this.strangers.get(client));
      this.members.set(member.id, member);
      // ws reports a protocol violation (a frame over frameMaxBytes, bad framing) as 'error', then closes.
      client.ref.once('error', () => member.guard.expel());
      ctx.metrics.joins.inc();
      sendTo(client, ServerMessage.Welcome, this.welcomeFor(member));
      this.broadcastExcept(member, ServerMessage.MemberJoined, publicMember(member));
      // The creator hosts; a restored room keeps its proven host, present or on its way back.
      if (!this.members.has(this.hostId) && owed?.has(this.hostId) !== true) this.setHost(member);
      this.renewClaims(member);
      if (owed?.size === 0) this.endRestore();
      ctx.logger.debug({ code: this.code, member: member.id, order, restoring }, 'member joined');
    }

    override async onLeave(client: Client, consented: boolean): Promise<void> {
      const member = this.members.get(client.sessionId);
      // On shutdown nobody leaves: everyone is disconnected, and comes back when the server does.
      if (member === undefined || this.closing) return;
      // A client disconnected for abuse keeps no seat: it may not come back, and must not hold a place.
      if (member.guard.expelled) this.expelled.add(member.id);
      if (!consented && !member.guard.expelled) {
        member.connected = false;
        ctx.logger.debug({ code: this.code, member: member.id }, 'member connection lost; its seat waits');
        this.broadcastExcept(member, ServerMessage.MemberChanged, publicMember(member));
        try {
          await this.allowReconnection(client, LobbyLimits.reconnectWindowSeconds);
          // The client asks for a fresh welcome (`sync`) once its handlers are in place.
          member.connected = true;
          this.broadcastExcept(member, ServerMessage.MemberChanged, publicMember(member));
          ctx.logger.debug({ code: this.code, member: member.id }, 'member reconnected');
          return;
        } catch {
          this.removeMember(member, 'lost');
          return;
        }
      }
      this.removeMember(member, consented ? 'left' : 'lost');
    }

    override onDispose(): void {
      for (const member of this.members.values()) clearInterval(member.heldTimer);
      clearInterval(this.claimTimer);
      clearTimeout(this.restoring?.timer);
      if (ctx.directory.local.get(this.code) === this) {
        ctx.directory.local.delete(this.code);
        ctx.directory.release(this.code).catch((error: unknown) => ctx.logger.warn({ err: error, code: this.code }, 'could not give the room code back'));
      }
      ctx.logger.info({ code: this.code }, 'room closed');
    }

    override onUncaughtException(error: Error, methodName: string): void {
      // Colyseus routes our own refusals (a ServerError thrown from onCreate/onJoin) here too.
      if (isRefusal(error)) ctx.logger.debug({ err: error, code: this.code, methodName }, 'refused');
      else ctx.logger.error({ err: error, code: this.code, methodName }, 'uncaught exception in a game room');
    }

    protected override _onMessage(client: Parameters<Room['_onMessage']>[0], buffer: Buffer): void {
      const member = this.members.get(client.sessionId);
      let guard = member?.guard ?? this.strangers.get(client);
      if (guard === undefined) this.strangers.set(client, (guard = new ClientGuard(ctx.now)));
      const screened = screenMessage(ctx, guard, client, buffer);
      if (screened === 'pass') return super._onMessage(client, buffer);
      if (screened === undefined) return;
      if ('relay' in screened) {
        if (member === undefined) return refuse(ctx, guard, client, 'invalid', 'not a member of this room yet', RELAY_MESSAGE);
        return this.relay.forward(member, screened.relay);
      }
      const { type, payload } = screened;
      if (!Object.hasOwn(ClientMessageSchemas, type)) return refuse(ctx, guard, client, 'unknown_type', 'unknown message type', type);
      const name = type as keyof ClientMessagePayloads;
      const result = validate(ClientMessageSchemas[name], payload);
      if (!result.ok) return refuse(ctx, guard, client, 'invalid', result.message, type);
      if (member === undefined) return refuse(ctx, guard, client, 'invalid', 'not a member of this room yet', type);
      (this.handlers[name] as (member: MemberRecord, payload: unknown) => void)(member, result.value);
    }

    readonly handlers: Handlers = {
      signal: (from, { to, data }) => {
        const target = this.members.get(to);
        const missing = target === undefined || target === from || !target.connected;
        if (missing) ctx.metrics.reject('signal_target');
        // One away (its seat held for a reconnection) is not the sender's mistake: dropped, as the network would.
        if (missing && target?.connected !== false) sendTo(from.client, ServerMessage.Error, { code: LobbyErrorCode.SignalTargetUnknown, message: `no member ${to} in this room`, type: 'signal' });
        if (missing) return;
        sendTo(target.client, ServerMessage.Signal, { from: from.id, data });
        ctx.metrics.signals.inc();
      },
      ready: (member, { ready }) => {
        member.ready = ready;
        this.broadcastAll(ServerMessage.MemberChanged, publicMember(member));
      },
      lock: (member, { locked }) => {
        if (member.id !== this.hostId) {
          sendTo(member.client, ServerMessage.Error, { code: LobbyErrorCode.NotHost, message: 'only the host can lock the room', type: 'lock' });
          return;
        }
        this.lockedByHost = locked;
        // A room still re-forming locks when it is done (see endRestore).
        if (this.restoring === undefined) void (locked ? this.lock() : this.unlock());
        this.renewClaims();
      },
      sync: (member) => {
        sendTo(member.client, ServerMessage.Welcome, this.welcomeFor(member));
      },
      profile: (member, { name }) => {
        member.name = name;
        this.broadcastAll(ServerMessage.MemberChanged, publicMember(member));
        if (member.id === this.hostId) void this.setMetadata({ hostName: name });
      },
    };

    get memberCount(): number {
      return this.members.size;
    }

    holds(memberId: string): boolean {
      return this.members.has(memberId) || Object.hasOwn(this.reservedSeats, memberId);
    }

    status(): 'open' | 'full' | 'closed' {
      const held = this.restoring?.owed.size ?? 0;
      if (this.clients.length + Object.keys(this.reservedSeats).length + held >= this.maxClients) return 'full';
      return this.locked || this.lockedByHost ? 'closed' : 'open';
    }

    /**
     * The re-forming is over: everyone named came back, or the reconnection window ran out. The
     * room shows as it should (listed, locked), and if its host did not come back, the member
     * who came first hosts.
     */
    endRestore(): void {
      if (this.restoring === undefined) return;
      clearTimeout(this.restoring.timer);
      this.restoring = undefined;
      void this.setPrivate(this.settings.private);
      if (this.lockedByHost) void this.lock();
      if (!this.members.has(this.hostId)) {
        const next = this.firstMember();
        if (next !== undefined) this.setHost(next);
      }
      this.renewClaims();
    }

    /** Send each member (but `except`, whose welcome has it) its claim to the room as it is now. */
    renewClaims(except?: MemberRecord): void {
      for (const member of this.members.values()) if (member !== except && member.connected) sendTo(member.client, ServerMessage.Restore, this.claimFor(member));
    }

    private claimFor(member: MemberRecord): Restore {
      const members = [...this.members.keys(), ...(this.restoring?.owed ?? [])];
      return claimOf(ctx, this.code, member, { settings: this.settings, locked: this.lockedByHost, hostId: this.hostId === '' ? member.id : this.hostId, members });
    }

    private firstMember(): MemberRecord | undefined {
      let first: MemberRecord | undefined;
      for (const candidate of this.members.values()) if (first === undefined || candidate.order < first.order) first = candidate;
      return first;
    }

    async relist(): Promise<void> {
      await this.listing.save();
    }

    announceClosing(): void {
      this.closing = true;
      this.broadcastAll(ServerMessage.Closing, { reason: 'shutdown' });
    }

    private removeMember(member: MemberRecord, reason: 'left' | 'lost'): void {
      this.members.delete(member.id);
      this.relay.left(member);
      this.broadcastAll(ServerMessage.MemberLeft, { id: member.id, reason });
      if (member.id === this.hostId) {
        const next = this.firstMember();
        if (next !== undefined) this.setHost(next);
      }
      this.renewClaims();
      ctx.logger.debug({ code: this.code, member: member.id, reason }, 'member left');
    }

    private setHost(member: MemberRecord): void {
      const previousHostId = this.hostId;
      this.hostId = member.id;
      void this.setMetadata({ hostName: member.name });
      if (previousHostId !== '') this.broadcastAll(ServerMessage.HostChanged, { hostId: member.id, previousHostId });
    }

    private welcomeFor(member: MemberRecord): ServerMessagePayloads['welcome'] {
      return {
        code: this.code,
        you: member.id,
        // The joining member may be the first: it hosts then.
        hostId: this.hostId === '' ? member.id : this.hostId,
        members: [...this.members.values()].map(publicMember),
        settings: this.settings,
        iceServers: iceServersFor(ctx.iceServers, ctx.turn, member.id, ctx.now()),
        relay: relayTerms(ctx.relayBytesPerSecond, ctx.relayFirst),
        restore: this.claimFor(member),
      };
    }

    private broadcastAll<K extends keyof ServerMessagePayloads>(type: K, payload: ServerMessagePayloads[K]): void {
      for (const member of this.members.values()) if (member.connected) member.client.send(type, payload);
    }

    private broadcastExcept<K extends keyof ServerMessagePayloads>(except: MemberRecord, type: K, payload: ServerMessagePayloads[K]): void {
      for (const member of this.members.values()) if (member !== except && member.connected) member.client.send(type, payload);
    }
  };
}

/** A ServerError we threw on purpose, as Colyseus hands it on (wrapped, e.g. `OnCreateException`). */
function isRefusal(error: Error): boolean {
  return error instanceof ServerError || (error as { cause?: unknown }).cause instanceof ServerError;
}
