import { Room, ServerError, type Client } from '@colyseus/core';
import {
  ClientMessageSchemas,
  CreateOptionsSchema,
  JoinOptionsSchema,
  LobbyErrorCode,
  LobbyLimits,
  RELAY_MESSAGE,
  RelayBudget,
  ServerMessage,
  decodeRelayFrame,
  generateRoomCode,
  validate,
  type ClientMessagePayloads,
  type Member,
  type RoomSettings,
  type ServerMessagePayloads,
  type IceServer,
  type Restore,
} from '@rallypoint/protocol';
import { ClientGuard } from './guard.js';
import { forwardedFrame, relayFits, relayFrameBytes, relayTerms, type RelayAbusers, type RelayActivity, type RelayDropReason } from './relay.js';
import { disconnectForAbuse, refuse, screenMessage, type RoomContext } from './screen.js';
import type { GameRoomApi, RoomDirectory } from './directory.js';
import type { RestoreTokens } from './restore.js';
import { iceServersFor, type TurnConfig } from './turn.js';

export interface GameRoomContext extends RoomContext {
  iceServers: readonly IceServer[];
  turn: TurnConfig | undefined;
  randomInt: (n: number) => number;
  restoreTokens: RestoreTokens;
  /** Where the game rooms are, this process's and (clustered) every other's: codes are unique across it. */
  directory: RoomDirectory;
  /** The server is shutting down: it makes no more rooms (a restore goes to another process). */
  draining: () => boolean;
  /** Relay budget per member in bytes a second; 0: no relaying. */
  relayBytesPerSecond: number;
  relayActivity: RelayActivity;
  relayAbusers: RelayAbusers;
}

interface MemberRecord extends Member {
  client: Client;
  guard: ClientGuard;
  relayBudget: RelayBudget;
  /** When the member was last told its relay frames were refused (once a second at most). */
  relayRefusedAtS: number;
  /** While this member's connection is backed up: the newest state from each sender, sent when it drains. */
  heldState: Map<string, Uint8Array>;
  heldTimer: ReturnType<typeof setInterval> | undefined;
  connected: boolean;
}

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
    /**
     * Members who left lately, with when: a relay frame still on its way to one of them is
     * dropped without a word (the sender's link hears of the leave in a moment anyway).
     */
    recentlyLeft = new Map<string, number>();
    /** Guards of clients that are not members (yet): messages before the join completes. */
    strangers = new WeakMap<Client, ClientGuard>();

    /**
     * A restoring member keeps its session id (see RestoreSchema); Colyseus takes it from here.
     * The claim is checked here, before Colyseus reserves a seat under that id: a reservation
     * replaces whatever seat the id had, the present member's or its pending reconnection.
     */
    static override async onAuth(_token: string, options: unknown) {
      const result = validate(JoinOptionsSchema, options);
      if (!result.ok) throw new ServerError(LobbyErrorCode.InvalidJoinOptions, result.message);
      const { restore } = result.value;
      if (restore === undefined) return {};
      const check = ctx.restoreTokens.check(restore, ctx.now());
      if (check !== 'ok') {
        ctx.metrics.restoresRefused.inc();
        throw new ServerError(LobbyErrorCode.RestoreRefused, check === 'expired' ? 'the restore claim has expired' : 'the restore token does not prove this claim');
      }
      // The token binds the member id to this code: only that room, wherever it lives, can hold it.
      if (await ctx.directory.holds(restore.code, restore.memberId)) {
        ctx.metrics.restoresRefused.inc();
        throw new ServerError(LobbyErrorCode.MemberStillPresent, `member ${restore.memberId} is still in room ${restore.code}`);
      }
      return { sessionId: restore.memberId };
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
      const member: MemberRecord = {
        id: client.sessionId,
        name,
        ready: false,
        order,
        client,
        guard: this.strangers.get(client) ?? new ClientGuard(ctx.now),
        relayBudget: new RelayBudget(relayTerms(ctx.relayBytesPerSecond) ?? { bytesPerSecond: 0, messagesPerSecond: 0, burstSeconds: 0 }, ctx.now),
        relayRefusedAtS: -1,
        heldState: new Map(),
        heldTimer: undefined,
        connected: true,
      };
      if (ctx.relayAbusers.has(addressOf(client))) member.relayBudget.empty();
      this.members.set(member.id, member);
      // ws reports a protocol violation (a frame over frameMaxBytes, bad framing) as 'error', then closes.
      client.ref.once('error', () => member.guard.expel());
      ctx.metrics.joins.inc();
      this.sendTo(client, ServerMessage.Welcome, this.welcomeFor(member));
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
        try {
          await this.allowReconnection(client, LobbyLimits.reconnectWindowSeconds);
          // The client asks for a fresh welcome (`sync`) once its handlers are in place.
          member.connected = true;
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
        return this.relay(member, screened.relay);
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
        if (target === undefined || target === from || !target.connected) {
          ctx.metrics.reject('signal_target');
          this.sendTo(from.client, ServerMessage.Error, { code: LobbyErrorCode.SignalTargetUnknown, message: `no member ${to} in this room`, type: 'signal' });
          return;
        }
        this.sendTo(target.client, ServerMessage.Signal, { from: from.id, data });
        ctx.metrics.signals.inc();
      },
      ready: (member, { ready }) => {
        member.ready = ready;
        this.broadcastAll(ServerMessage.MemberChanged, publicMember(member));
      },
      lock: (member, { locked }) => {
        if (member.id !== this.hostId) {
          this.sendTo(member.client, ServerMessage.Error, { code: LobbyErrorCode.NotHost, message: 'only the host can lock the room', type: 'lock' });
          return;
        }
        this.lockedByHost = locked;
        // A room still re-forming locks when it is done (see endRestore).
        if (this.restoring === undefined) void (locked ? this.lock() : this.unlock());
        this.renewClaims();
      },
      sync: (member) => {
        this.sendTo(member.client, ServerMessage.Welcome, this.welcomeFor(member));
      },
      profile: (member, { name }) => {
        member.name = name;
        this.broadcastAll(ServerMessage.MemberChanged, publicMember(member));
        if (member.id === this.hostId) void this.setMetadata({ hostName: name });
      },
    };

    /**
     * Forward one relay frame to another member of this room, within the sender's budget and the
     * recipient's backlog (see relay.ts). A malformed frame is refused like any bad message; one
     * that cannot go is dropped, counted, and the sender told (once a second).
     */
    relay(from: MemberRecord, bytes: Buffer): void {
      // Over budget is found from the header's two bytes, before anything is decoded, and a
      // flood of it earns strikes like any refused message: it ends with the flooder cut off.
      if (ctx.relayBytesPerSecond !== 0 && !from.relayBudget.take(relayFrameBytes(bytes))) return this.overBudget(from);
      const frame = decodeRelayFrame(bytes);
      if (typeof frame === 'string') return void refuse(ctx, from.guard, from.client, 'invalid', frame, RELAY_MESSAGE);
      const target = this.members.get(frame.memberId);
      let dropped: RelayDropReason | undefined;
      if (ctx.relayBytesPerSecond === 0) dropped = 'off';
      else if (target === undefined || target === from || !target.connected) dropped = 'target';
      else if (!relayFits(frame, backlogOf(target.client))) dropped = 'backlog';
      if (dropped === 'backlog' && frame.lane === 'state' && target !== undefined) return this.holdState(target, from, frame.frame);
      if (dropped !== undefined || target === undefined) {
        ctx.metrics.dropRelay(dropped ?? 'target');
        // Left lately, or not back yet in a room that is re-forming: nothing the sender did wrong.
        if (dropped === 'target' && (this.leftLately(frame.memberId) || this.restoring !== undefined)) return;
        // A backed-up recipient is not the sender's doing, and it drops state on purpose: no reply.
        if (dropped === 'backlog') return;
        this.tellRelayRefused(from, dropped === 'off' ? 'relaying is off on this server' : `no member ${frame.memberId.slice(0, 64)} in this room`);
        return;
      }
      target.client.sendBytes(RELAY_MESSAGE, forwardedFrame(frame, from.id));
      ctx.metrics.relayBytes.inc(frame.frame.byteLength);
      ctx.metrics.relayMessages.inc();
      if (frame.lane !== 'hello') ctx.relayActivity.saw(this.code, from.id, target.id);
    }

    /** A relay frame over the sender's budget: dropped, counted, told (once a second), struck. */
    overBudget(from: MemberRecord): void {
      ctx.metrics.dropRelay('budget');
      if (from.guard.overRelayBudget()) {
        ctx.relayAbusers.add(addressOf(from.client));
        return disconnectForAbuse(ctx, from.client, 'relay frames far over the budget');
      }
      this.tellRelayRefused(from, 'over the relay budget');
    }

    /** Tell a member its relay frames are not forwarded, once a second at most. */
    tellRelayRefused(from: MemberRecord, why: string): void {
      const second = Math.floor(ctx.now() / 1000);
      if (second === from.relayRefusedAtS) return;
      from.relayRefusedAtS = second;
      this.sendTo(from.client, ServerMessage.Error, { code: LobbyErrorCode.RelayRefused, message: why, type: RELAY_MESSAGE });
    }

    /**
     * State for a backed-up member: newest wins here too. It replaces what was held from the same
     * sender (that one is dropped, counted), and goes out once the connection has drained.
     */
    holdState(target: MemberRecord, from: MemberRecord, frame: Uint8Array): void {
      if (target.heldState.has(from.id)) ctx.metrics.dropRelay('backlog');
      target.heldState.set(from.id, forwardedFrame({ lane: 'state', memberId: from.id, frame }, from.id));
      target.heldTimer ??= setInterval(() => {
        if (!target.connected || !this.members.has(target.id)) {
          clearInterval(target.heldTimer);
          target.heldTimer = undefined;
          target.heldState.clear();
          return;
        }
        if (backlogOf(target.client) > LobbyLimits.relayStateBacklogBytes) return;
        clearInterval(target.heldTimer);
        target.heldTimer = undefined;
        for (const held of target.heldState.values()) {
          target.client.sendBytes(RELAY_MESSAGE, held);
          ctx.metrics.relayMessages.inc();
        }
        target.heldState.clear();
      }, HELD_STATE_POLL_MS);
    }

    private leftLately(memberId: string): boolean {
      const since = ctx.now() - RECENTLY_LEFT_MS;
      for (const [id, at] of this.recentlyLeft) if (at < since) this.recentlyLeft.delete(id);
      return this.recentlyLeft.has(memberId);
    }

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
      for (const member of this.members.values()) if (member !== except && member.connected) this.sendTo(member.client, ServerMessage.Restore, this.claimFor(member));
    }

    private claimFor(member: MemberRecord): Restore {
      const members = [...this.members.keys(), ...(this.restoring?.owed ?? [])];
      const room = { settings: this.settings, locked: this.lockedByHost, hostId: this.hostId === '' ? member.id : this.hostId, members };
      return ctx.restoreTokens.issue({ code: this.code, memberId: member.id, order: member.order, room }, ctx.now());
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
      this.recentlyLeft.set(member.id, ctx.now());
      clearInterval(member.heldTimer);
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
        relay: relayTerms(ctx.relayBytesPerSecond),
        restore: this.claimFor(member),
      };
    }

    private sendTo<K extends keyof ServerMessagePayloads>(client: Client, type: K, payload: ServerMessagePayloads[K]): void {
      client.send(type, payload);
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

/** How long relay frames to a member who left are dropped silently. */
const RECENTLY_LEFT_MS = 30_000;

/** How often a backed-up member's connection is checked for room for the state held for it. */
const HELD_STATE_POLL_MS = 20;

/** Bytes waiting on a member's WebSocket (Colyseus' ws transport: `ref` is the ws socket). */
function backlogOf(client: Client): number {
  return (client.ref as unknown as { bufferedAmount?: number }).bufferedAmount ?? 0;
}

/** The TCP peer of a member's WebSocket (Colyseus' ws transport: `ref` is the ws socket). */
function addressOf(client: Client): string {
  return (client.ref as unknown as { _socket?: { remoteAddress?: string } })._socket?.remoteAddress ?? '';
}

function publicMember({ id, name, ready, order }: MemberRecord): Member {
  return { id, name, ready, order };
}
