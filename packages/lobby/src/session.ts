import { Emitter, UnheardErrors, type CloseReason, type Link, type LinkInit, type LinkRelay, type LinkTypes, type Logger, type RelayLane } from '@rallypoint/core';
import {
  ClientMessage,
  LobbyCloseCode,
  LobbyLimits,
  RELAY_MESSAGE,
  RelayBudget,
  ServerMessage,
  decodeRelayFrame,
  encodeRelayFrame,
  inviteLink,
  type ClientMessagePayloads,
  type Member,
  type RoomSettings,
  type ServerMessagePayloads,
  type WelcomePayload,
} from '@rallypoint/protocol';
import type { LobbyRoom as ColyseusRoom } from './colyseus-room.js';
import { LobbyUnavailableError, RelayRefusedError, RestoreRefusedError, SessionClosedError, errorFromCode, type LobbyError } from './errors.js';
import { PeerLinks, type LinkRetryPolicy } from './peer-links.js';
import { reconnectRoom, type Connector } from './reconnect.js';
import { linkedPeers } from './topology.js';
import { SessionVoice, type VoiceInit } from './voice.js';

/** The events a room session emits (`session.on(name, fn)`). */
export interface RoomSessionEvents<T extends LinkTypes = LinkTypes> {
  memberJoined: Member;
  memberLeft: { member: Member; reason: 'left' | 'lost' };
  memberChanged: Member;
  hostChanged: { hostId: string; previousHostId: string };
  /** A link to another member opened: both lanes are usable. */
  linkOpen: { peerId: string; link: Link<T> };
  linkClose: { peerId: string; reason: CloseReason };
  /**
   * A link to a member failed `maxAttempts` times in a row (see `LobbyInit.linkRetry`) and is not
   * tried again on its own: tell the player, and call `retryLink(peerId)` to try again. A new
   * offer from the member also tries again.
   */
  linkFailed: { peerId: string; attempts: number; reason: CloseReason; error?: Error };
  /** A refusal from the server, or bad input on a link (`peerId` set); nothing is closed by it. */
  error: { error: LobbyError | Error; peerId?: string };
  /** The lobby connection dropped. Open links keep working. */
  lobbyDisconnected: { code: number; willReconnect: boolean };
  /** Back in the room: `restored` when the server had restarted and the room was re-formed. */
  lobbyReconnected: { restored: boolean };
  /** The session ended (left, or the lobby is gone for good); links are closed. */
  closed: { reason: 'left' | 'lobby-lost' };
}

/** What a room session is made with (by `createLobby`; a game does not make sessions itself). */
export interface SessionDeps<T extends LinkTypes> {
  connector: Connector;
  createLink: (init: LinkInit) => Link<T>;
  linkInit: Partial<LinkInit>;
  logger: Logger;
  origin: string;
  displayName: string;
  linkRetry: LinkRetryPolicy;
  random: () => number;
  turnFallbackMs: number;
  /** See `LobbyInit.relay`. */
  relay: LobbyRelayMode;
  /** See `LobbyInit.voice`. */
  voice: VoiceInit;
}

/**
 * `auto`: a link with no direct path travels through the lobby server, if it relays (see
 * `LinkInit.relayAfterMs`). `off`: never. `always`: every link travels through the lobby server
 * and makes no direct connection (for players behind networks that allow nothing else, and for
 * trying the relay); the other side follows.
 */
export type LobbyRelayMode = 'auto' | 'off' | 'always';

/**
 * One player's stay in a room: presence (members, host, me), the links to the other players that
 * the room's topology asks for, room-wide send helpers, and staying in the room across lobby
 * connection drops and lobby server restarts.
 */
export class RoomSession<T extends LinkTypes = LinkTypes> {
  readonly #emitter: Emitter<RoomSessionEvents<T>>;
  readonly #links: PeerLinks<T>;
  readonly #members = new Map<string, Member>();
  /** Members missing after a lobby restart, with the time they stop being waited for. */
  readonly #missing = new Map<string, ReturnType<typeof setTimeout>>();
  #room: ColyseusRoom;
  #welcome!: WelcomePayload;
  #status: 'joined' | 'reconnecting' | 'closed' = 'joined';
  #closingAnnounced = false;
  readonly #welcomed: Promise<void>;
  readonly #unheard: UnheardErrors;
  /** The host last reported (hostChanged) to the game. */
  #reportedHost: string | undefined;
  /** While a room re-forms after a lobby restart: who hosted before it (see #hostId). */
  #hostBeforeRestore: string | undefined;
  /** Rejects ready() when the session ends before the first welcome. */
  #notWelcomed: ((error: Error) => void) | undefined;
  /** Where relay frames from each member go: the relay path of our link to it. */
  readonly #relayListeners = new Map<string, Set<(lane: RelayLane, frame: Uint8Array) => void>>();
  /** Our copy of the server's relay budget for us, shared by every link: see #relayFor. */
  #relayBudget: RelayBudget | undefined;
  /**
   * Voice chat with the other players, on the links' own connections: `start()` it from a click.
   * See `SessionVoice`.
   */
  readonly voice: SessionVoice<T>;

  constructor(
    room: ColyseusRoom,
    private readonly deps: SessionDeps<T>,
  ) {
    this.#room = room;
    this.#unheard = new UnheardErrors(deps.logger, () => Date.now());
    this.#emitter = new Emitter((name, error) => deps.logger.warn({ err: error, event: name }, 'a room session listener threw'));
    this.voice = new SessionVoice<T>({ links: () => this.#links.links, myId: () => this.#welcome?.you ?? '', logger: deps.logger, init: deps.voice });
    this.#links = new PeerLinks<T>({
      createLink: deps.createLink,
      linkInit: deps.linkInit,
      logger: deps.logger,
      sendSignal: (to, data) => this.#send(ClientMessage.Signal, { to, data }),
      onOpen: (peerId, link) => {
        this.voice.linkOpened(peerId, link);
        this.#emitter.emit('linkOpen', { peerId, link });
      },
      onClose: (peerId, reason) => {
        this.voice.linkClosed(peerId);
        this.#emitter.emit('linkClose', { peerId, reason });
      },
      onError: (peerId, error) => this.#error(error, peerId),
      onFailed: (peerId, failure) => this.#emitter.emit('linkFailed', { peerId, ...failure }),
      retry: deps.linkRetry,
      random: deps.random,
      turnFallbackMs: deps.turnFallbackMs,
      relayFor: (peerId) => this.#relayFor(peerId),
    });
    this.#welcomed = new Promise((resolve, reject) => {
      this.#notWelcomed = reject;
      this.#attach(room, () => {
        this.#notWelcomed = undefined;
        resolve();
      });
    });
    // ready() may never be called; the rejection is still handled there when it is.
    this.#welcomed.catch(() => undefined);
  }

  /**
   * Resolves once the first welcome is in: members, host and code are known. Rejects with
   * `LobbyUnavailableError` if the lobby connection ends first, or the session is left.
   */
  ready(): Promise<this> {
    return this.#welcomed.then(() => this);
  }

  get code(): string {
    return this.#welcome.code;
  }
  /** `<origin>/?room=CODE` */
  get inviteLink(): string {
    return inviteLink(this.deps.origin, this.code);
  }
  get me(): Member {
    return this.#members.get(this.#welcome.you) ?? { id: this.#welcome.you, name: this.deps.displayName, ready: false, order: -1 };
  }
  get hostId(): string {
    return this.#hostId();
  }
  get isHost(): boolean {
    return this.#hostId() === this.#welcome.you;
  }
  get members(): readonly Member[] {
    return [...this.#members.values()].sort((a, b) => a.order - b.order);
  }
  get settings(): RoomSettings {
    return this.#welcome.settings;
  }
  /** Links by member id, open or still connecting. */
  get links(): ReadonlyMap<string, Link<T>> {
    return this.#links.links;
  }
  get status(): 'joined' | 'reconnecting' | 'closed' {
    return this.#status;
  }

  on<K extends keyof RoomSessionEvents<T>>(name: K, fn: (event: RoomSessionEvents<T>[K]) => void): () => void {
    return this.#emitter.on(name, fn);
  }
  off<K extends keyof RoomSessionEvents<T>>(name: K, fn: (event: RoomSessionEvents<T>[K]) => void): void {
    this.#emitter.off(name, fn);
  }

  /** Try a link given up on (`linkFailed`) again. */
  retryLink(peerId: string): void {
    if (this.#status === 'closed') throw new SessionClosedError();
    this.#links.retry(peerId);
  }

  setReady(ready: boolean): void {
    this.#send(ClientMessage.Ready, { ready });
  }
  /** Host only: close the room to new players (joins fail with RoomClosedError), or open it again. */
  setLocked(locked: boolean): void {
    this.#send(ClientMessage.Lock, { locked });
  }
  setName(name: string): void {
    this.#send(ClientMessage.Profile, { name });
  }

  /**
   * Send on the state lane to every open link, or to one member. Returns how many links took it.
   * A link that refuses it (too large for that peer, say) is reported as an `error` with its
   * `peerId`; the others still get it.
   */
  sendState(payload: T['state'], to?: string): number {
    return this.#eachOpen(to, (link) => link.state.send(payload as never));
  }

  /** Send a named event on the events lane to every open link, or to one member; failures as for `sendState`. */
  emit<K extends keyof NonNullable<T['events']> & string>(name: K, data: NonNullable<T['events']>[K], to?: string): number {
    return this.#eachOpen(to, (link) => link.events.emit(name as never, data as never));
  }

  /** Leave the room: the others are told, links close. Safe to call more than once. */
  async leave(): Promise<void> {
    if (this.#status === 'closed') return;
    const connected = this.#status === 'joined';
    this.#end('left');
    // While reconnecting there is no room to leave; the reconnection loop sees the session closed.
    if (connected) await this.#room.leave(true).catch((error: unknown) => this.deps.logger.debug({ err: error }, 'leave failed'));
  }

  #eachOpen(to: string | undefined, send: (link: Link<T>) => void): number {
    if (this.#status === 'closed') throw new SessionClosedError();
    let sent = 0;
    for (const [peerId, link] of this.#links.links) {
      if ((to === undefined || peerId === to) && link.status === 'open') {
        // One peer's failure must not cost the others their message.
        try {
          send(link);
          sent++;
        } catch (error) {
          this.#error(error instanceof Error ? error : new Error(String(error)), peerId);
        }
      }
    }
    return sent;
  }

  #send<K extends keyof ClientMessagePayloads>(type: K, payload: ClientMessagePayloads[K]): void {
    if (this.#status === 'closed') throw new SessionClosedError();
    // While reconnecting, the room is gone: signals for links still connecting are lost and those
    // links time out and retry; presence changes are sent again by the game if it cares.
    if (this.#status === 'joined') this.#room.send(type, payload);
  }

  #attach(room: ColyseusRoom, onWelcome?: () => void): void {
    this.#room = room;
    const on = <K extends keyof ServerMessagePayloads>(type: K, fn: (payload: ServerMessagePayloads[K]) => void) => room.onMessage(type, fn);
    on(ServerMessage.Welcome, (welcome) => {
      this.#applyWelcome(welcome);
      onWelcome?.();
      onWelcome = undefined;
    });
    on(ServerMessage.MemberJoined, (member) => {
      const known = this.#members.has(member.id);
      this.#stopWaitingFor(member.id);
      this.#members.set(member.id, member);
      this.#emitter.emit(known ? 'memberChanged' : 'memberJoined', member);
      this.#reconcile();
    });
    on(ServerMessage.MemberChanged, (member) => {
      this.#members.set(member.id, member);
      this.#emitter.emit('memberChanged', member);
    });
    on(ServerMessage.MemberLeft, ({ id, reason }) => this.#removeMember(id, reason));
    on(ServerMessage.HostChanged, ({ hostId }) => {
      this.#welcome.hostId = hostId;
      this.#hostMaybeChanged();
      this.#reconcile();
    });
    on(ServerMessage.Signal, ({ from, data }) => this.#links.signal(from, data));
    room.onMessage(RELAY_MESSAGE, (bytes: Uint8Array) => this.#onRelay(bytes));
    on(ServerMessage.Error, ({ code, message }) => this.#error(errorFromCode(code, message, this.#welcome?.code)));
    // The room changed (or our claim nears its expiry): the claim a restore would send.
    on(ServerMessage.Restore, (restore) => {
      if (this.#welcome !== undefined) this.#welcome.restore = restore;
    });
    on(ServerMessage.Closing, () => {
      this.#closingAnnounced = true;
    });
    room.onLeave((code) => {
      this.#onLobbyLost(code).catch((error: unknown) => this.deps.logger.warn({ err: error }, 'handling the lost lobby connection failed'));
    });
  }

  /**
   * The relay to one member through this session's lobby connection, for a link's `relay`
   * (undefined when the server does not relay, or the game turned it off). Frames sent while the
   * connection is down are lost; the link's events lane sends them again.
   */
  #relayFor(peerId: string): Pick<LinkInit, 'relay' | 'direct' | 'relayAfterMs'> {
    const offered = this.#welcome.relay;
    if (offered === null || offered === undefined || this.deps.relay === 'off') {
      if (this.deps.relay === 'always') this.#error(new RelayRefusedError('the lobby server does not relay: links connect directly'));
      return {};
    }
    const listeners = this.#relayListeners;
    const room = () => this.#room;
    // A little under the server's rates: what the server would drop is held back here instead.
    const budget = (this.#relayBudget ??= new RelayBudget(
      { ...offered, bytesPerSecond: offered.bytesPerSecond * RELAY_PACE, messagesPerSecond: offered.messagesPerSecond * RELAY_PACE },
      () => performance.now(),
    ));
    const relay: LinkRelay = {
      send: (lane, frame) => {
        if (this.#status !== 'joined') return;
        budget.spend(frame.byteLength);
        this.#room.sendBytes(RELAY_MESSAGE, encodeRelayFrame(lane, peerId, frame));
      },
      // Over budget, the relay looks full to the lanes: events wait in their queue, state is replaced.
      get bufferedAmount() {
        return socketBacklog(room()) + (budget.exhausted ? PACED_BACKLOG_BYTES : 0);
      },
      maxMessageSize: offered.maxMessageBytes,
      onFrame(fn) {
        let set = listeners.get(peerId);
        if (set === undefined) listeners.set(peerId, (set = new Set()));
        set.add(fn);
        return () => {
          set.delete(fn);
          if (set.size === 0 && listeners.get(peerId) === set) listeners.delete(peerId);
        };
      },
    };
    return this.deps.relay === 'always' ? { relay, direct: false } : { relay };
  }

  #onRelay(bytes: Uint8Array): void {
    const frame = decodeRelayFrame(bytes);
    if (typeof frame === 'string') return this.deps.logger.debug({ problem: frame }, 'unreadable relay frame from the server');
    const listeners = this.#relayListeners.get(frame.memberId);
    if (listeners === undefined) return;
    for (const fn of listeners) fn(frame.lane, frame.frame);
  }

  #applyWelcome(welcome: WelcomePayload): void {
    const first = this.#welcome === undefined;
    this.#welcome = welcome;
    if (first) this.#reportedHost = welcome.hostId;
    const present = new Set(welcome.members.map((m) => m.id));
    for (const member of welcome.members) {
      // A member the restore was waiting for is back: in a welcome, not only in a memberJoined
      // (the second member back learns of the first this way). Left waiting, its timer would
      // end it as 'lost' a reconnection window after the restore, links and all.
      this.#stopWaitingFor(member.id);
      const known = this.#members.has(member.id);
      this.#members.set(member.id, member);
      if (!first) this.#emitter.emit(known ? 'memberChanged' : 'memberJoined', member);
    }
    for (const id of [...this.#members.keys()]) if (!present.has(id) && !this.#missing.has(id)) this.#removeMember(id, 'left');
    this.#hostMaybeChanged();
    this.#reconcile();
  }

  /**
   * The host as this session reports it. While a room re-forms after a lobby restart, whoever
   * is back first hosts on the server until the member who hosted before returns and takes it
   * back; that flip is not news to anyone, so the earlier host stays the host here until the
   * server agrees, or that member is gone for good (see #missing).
   */
  #hostId(): string {
    const before = this.#hostBeforeRestore;
    return before !== undefined && this.#members.has(before) ? before : this.#welcome.hostId;
  }

  /** After news from the room: report a new host, and end the restore's hold once it is settled. */
  #hostMaybeChanged(): void {
    const before = this.#hostBeforeRestore;
    if (before !== undefined && (before === this.#welcome.hostId || !this.#members.has(before))) this.#hostBeforeRestore = undefined;
    const hostId = this.#hostId();
    if (hostId === this.#reportedHost) return;
    const previousHostId = this.#reportedHost ?? '';
    this.#reportedHost = hostId;
    this.#emitter.emit('hostChanged', { hostId, previousHostId });
  }

  #removeMember(id: string, reason: 'left' | 'lost'): void {
    const member = this.#members.get(id);
    if (member === undefined) return;
    this.#stopWaitingFor(id);
    this.#members.delete(id);
    this.#hostMaybeChanged();
    this.#reconcile();
    this.#emitter.emit('memberLeft', { member, reason });
  }

  #stopWaitingFor(id: string): void {
    clearTimeout(this.#missing.get(id));
    this.#missing.delete(id);
  }

  #reconcile(): void {
    const { you, settings, iceServers } = this.#welcome;
    this.#links.reconcile(you, linkedPeers(you, this.#hostId(), this.#members.keys(), settings.topology), iceServers);
  }

  async #onLobbyLost(code: number): Promise<void> {
    if (this.#status !== 'joined') return;
    // Lost before the welcome: there is no room to get back into yet.
    if (this.#welcome === undefined) return this.#end('lobby-lost', new LobbyUnavailableError(`the lobby connection closed before the room was joined (code ${code})`, code));
    const willReconnect = code !== LobbyCloseCode.Abuse && (code !== LobbyCloseCode.Consented || this.#closingAnnounced);
    this.#status = 'reconnecting';
    this.deps.logger.debug({ code, willReconnect }, 'lobby connection lost');
    this.#emitter.emit('lobbyDisconnected', { code, willReconnect });
    if (!willReconnect) {
      this.#error(new LobbyUnavailableError(`the lobby closed our connection (code ${code})`, code));
      return this.#end('lobby-lost');
    }
    const result = await reconnectRoom(this.deps.connector, {
      reconnectionToken: this.#closingAnnounced ? undefined : this.#room.reconnectionToken,
      settings: this.settings,
      name: this.me.name,
      restore: this.#welcome.restore,
      isClosed: () => this.#isClosed(),
      logger: this.deps.logger,
    });
    // leave() may have run while we were away.
    if (this.#isClosed()) {
      if (result.ok) void result.room.leave(true);
      return;
    }
    if (!result.ok) {
      const error =
        result.code === undefined
          ? new LobbyUnavailableError('could not get back into the room')
          : new RestoreRefusedError(this.code, { cause: result.error });
      this.#error(error);
      return this.#end('lobby-lost');
    }
    this.#status = 'joined';
    this.#closingAnnounced = false;
    if (result.restored) {
      this.#hostBeforeRestore = this.#reportedHost;
      // Everyone else is coming back too: keep their links while they do.
      for (const id of this.#members.keys()) {
        if (id === this.#welcome.you) continue;
        this.#missing.set(id, setTimeout(() => this.#removeMember(id, 'lost'), LobbyLimits.reconnectWindowSeconds * 1000));
      }
    }
    this.#attach(result.room);
    this.#room.send(ClientMessage.Sync, {});
    this.#emitter.emit('lobbyReconnected', { restored: result.restored });
  }

  /** An `error` event; with no listener, written to the logger (once per kind a minute). */
  #error(error: Error, peerId?: string): void {
    if (this.#emitter.has('error')) this.#emitter.emit('error', peerId === undefined ? { error } : { error, peerId });
    else this.#unheard.report(error, peerId === undefined ? {} : { peerId });
  }

  #isClosed(): boolean {
    return this.#status === 'closed';
  }

  #end(reason: 'left' | 'lobby-lost', beforeWelcome?: Error): void {
    this.#status = 'closed';
    this.#notWelcomed?.(beforeWelcome ?? new LobbyUnavailableError('the session ended before the room was joined'));
    this.#notWelcomed = undefined;
    for (const timer of this.#missing.values()) clearTimeout(timer);
    this.#missing.clear();
    this.#links.close();
    this.voice.close();
    this.#emitter.emit('closed', { reason });
    this.#emitter.clear();
  }
}

/** Share of the server's relay rates a session uses, leaving room for timing differences. */
const RELAY_PACE = 0.9;
/** What the relay reports as waiting while the budget is spent: more than any lane's high-water mark. */
const PACED_BACKLOG_BYTES = 64 * 1024 * 1024;

/** Bytes waiting on the session's WebSocket (colyseus.js keeps it as `connection.transport.ws`). */
function socketBacklog(room: ColyseusRoom): number {
  const transport = (room.connection as unknown as { transport?: { ws?: { bufferedAmount?: number } } }).transport;
  return transport?.ws?.bufferedAmount ?? 0;
}
