import { Emitter, UnheardErrors, type Link, type LinkTypes, type OpenLink } from '@rallypoint/core';
import {
  ClientMessage,
  LobbyCloseCode,
  RELAY_MESSAGE,
  ServerMessage,
  inviteLink,
  type ClientMessagePayloads,
  type Member,
  type RoomSettings,
  type ServerMessagePayloads,
  type WelcomePayload,
} from '@rallypoint/protocol';
import type { LobbyRoom as ColyseusRoom } from './colyseus-room.js';
import { LobbyUnavailableError, RestoreRefusedError, SessionClosedError, errorFromCode } from './errors.js';
import { PeerLinks } from './peer-links.js';
import { reconnectRoom } from './reconnect.js';
import { Roster } from './roster.js';
import { SessionOutbox } from './session-outbox.js';
import { SessionRelay } from './session-relay.js';
import type { RoomSessionEvents, SessionDeps } from './session-types.js';
import { linkedPeers } from './topology.js';
import { SessionVoice } from './voice.js';


/**
 * One player's stay in a room: presence (members, host, me), the links to the other players that
 * the room's topology asks for, room-wide send helpers, and staying in the room across lobby
 * connection drops and lobby server restarts.
 */
export class RoomSession<T extends LinkTypes = LinkTypes> {
  readonly #emitter: Emitter<RoomSessionEvents<T>>;
  readonly #links: PeerLinks<T>;
  readonly #roster: Roster;
  readonly #relay: SessionRelay;
  readonly #outbox: SessionOutbox<T>;
  #room: ColyseusRoom;
  #welcome!: WelcomePayload;
  #status: 'joined' | 'reconnecting' | 'closed' = 'joined';
  #closingAnnounced = false;
  readonly #welcomed: Promise<void>;
  readonly #unheard: UnheardErrors;
  /** Rejects ready() when the session ends before the first welcome. */
  #notWelcomed: ((error: Error) => void) | undefined;
  /** Stops listening for the page going away (see LobbyInit.leaveOnPageHide). */
  #stopWatchingPage: (() => void) | undefined;
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
    this.#roster = new Roster({
      emit: (name, event) => this.#emitter.emit(name, event as RoomSessionEvents<T>[typeof name]),
      serverHostId: () => this.#welcome.hostId,
      changed: () => this.#reconcile(),
    });
    this.#relay = new SessionRelay({
      mode: deps.relay,
      logger: deps.logger,
      offered: () => this.#welcome.relay,
      room: () => this.#room,
      isJoined: () => this.#status === 'joined',
      error: (error) => this.#error(error),
    });
    this.#outbox = new SessionOutbox<T>(deps.linkInit);
    this.voice = new SessionVoice<T>({ links: () => this.#links.links, myId: () => this.#welcome?.you ?? '', logger: deps.logger, init: deps.voice });
    this.#links = new PeerLinks<T>({
      createLink: deps.createLink,
      linkInit: deps.linkInit,
      logger: deps.logger,
      sendSignal: (to, data) => this.#send(ClientMessage.Signal, { to, data }),
      onOpen: (peerId, link) => {
        this.#outbox.opened(peerId, link, (error) => this.#error(error, peerId));
        this.voice.linkOpened(peerId, link);
        // Open now: its transport is set (see OpenLink).
        this.#emitter.emit('linkOpen', { peerId, link: link as OpenLink<T> });
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
      relayFor: (peerId) => this.#relay.for(peerId),
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
    // The page going away: leave now, while it can still send (the goodbyes and the leave all go
    // out in this turn). See LobbyInit.leaveOnPageHide.
    if (deps.leaveOnPageHide && typeof globalThis.addEventListener === 'function' && 'onpagehide' in globalThis) {
      const onPageHide = () => void this.leave();
      globalThis.addEventListener('pagehide', onPageHide);
      this.#stopWatchingPage = () => globalThis.removeEventListener('pagehide', onPageHide);
    }
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
    return this.#roster.get(this.#welcome.you) ?? { id: this.#welcome.you, name: this.deps.displayName, ready: false, order: -1 };
  }
  get hostId(): string {
    return this.#roster.hostId();
  }
  get isHost(): boolean {
    return this.#roster.hostId() === this.#welcome.you;
  }
  get members(): readonly Member[] {
    return this.#roster.list();
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
   * Send on the state lane to every open link, or to one member. Returns how many links took it
   * (state for a link not open yet is not kept: the next state would replace it anyway). A link
   * that refuses it (too large for that peer, say) is reported as an `error` with its `peerId`;
   * the others still get it.
   */
  sendState(payload: T['state'], to?: string): number {
    return this.#eachOpen(to, (link) => link.state.send(payload as never));
  }

  /**
   * Send a named event on the events lane to every member we link to, or to one: it arrives
   * exactly once, in order. To a member whose link is not open yet (connecting, or between two
   * links) it waits in the session, bounded as a link's queue is (`link.maxEventBytes`,
   * `link.maxQueuedBytes`), and goes first when the link opens, before `linkOpen`; it is dropped
   * if the member leaves first. Returns how many members it was sent or queued for; one that
   * refuses it is reported as an `error` with its `peerId`, and the others still get it.
   */
  emit<K extends keyof NonNullable<T['events']> & string>(name: K, data: NonNullable<T['events']>[K], to?: string): number {
    if (this.#status === 'closed') throw new SessionClosedError();
    let sent = 0;
    for (const peerId of this.#links.wanted) {
      if (to !== undefined && peerId !== to) continue;
      try {
        this.#outbox.send(peerId, this.#links.links.get(peerId), name, data);
        sent++;
      } catch (error) {
        this.#error(error instanceof Error ? error : new Error(String(error)), peerId);
      }
    }
    return sent;
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
    on(ServerMessage.MemberJoined, (member) => this.#roster.joined(member));
    on(ServerMessage.MemberChanged, (member) => this.#roster.changed(member));
    on(ServerMessage.MemberLeft, ({ id, reason }) => this.#roster.remove(id, reason));
    on(ServerMessage.HostChanged, ({ hostId }) => {
      this.#welcome.hostId = hostId;
      this.#roster.hostMaybeChanged();
      this.#reconcile();
    });
    on(ServerMessage.Signal, ({ from, data }) => this.#links.signal(from, data));
    room.onMessage(RELAY_MESSAGE, (bytes: Uint8Array) => this.#relay.receive(bytes));
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

  #applyWelcome(welcome: WelcomePayload): void {
    const first = this.#welcome === undefined;
    this.#welcome = welcome;
    this.#roster.welcome(welcome.members, first);
    this.#reconcile();
  }

  #reconcile(): void {
    const { you, settings, iceServers } = this.#welcome;
    this.#links.reconcile(you, linkedPeers(you, this.#roster.hostId(), this.#roster.ids(), settings.topology), iceServers);
    this.#outbox.keep(this.#links.wanted);
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
    if (result.restored) this.#roster.restoring(this.#welcome.you);
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
    this.#stopWatchingPage?.();
    this.#notWelcomed?.(beforeWelcome ?? new LobbyUnavailableError('the session ended before the room was joined'));
    this.#notWelcomed = undefined;
    this.#roster.close();
    this.#links.close();
    this.#outbox.clear();
    this.voice.close();
    this.#emitter.emit('closed', { reason });
    this.#emitter.clear();
  }
}
