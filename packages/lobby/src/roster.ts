/**
 * Who is in the room, as a session reports it: the members, the host, and, after a lobby
 * restart, the members the re-formed room is still waiting for. The server's word, with one
 * hold: while a room re-forms, the host it had stays the host here until it is back (or gone).
 */
import { LobbyLimits, type Member } from '@rallypoint/protocol';
import type { RoomSessionEvents } from './session-types.js';

/** The presence events a roster reports. */
export type RosterEvents = Pick<RoomSessionEvents, 'memberJoined' | 'memberLeft' | 'memberChanged' | 'hostChanged'>;

export interface RosterDeps {
  emit<K extends keyof RosterEvents>(name: K, event: RosterEvents[K]): void;
  /** The host as the server last said. */
  serverHostId(): string;
  /** Who is in the room changed: the links follow. */
  changed(): void;
}

export class Roster {
  readonly #members = new Map<string, Member>();
  /** Members missing after a lobby restart, with the time they stop being waited for. */
  readonly #missing = new Map<string, ReturnType<typeof setTimeout>>();
  /** The host last reported (hostChanged) to the game. */
  #reportedHost: string | undefined;
  /** While a room re-forms after a lobby restart: who hosted before it (see hostId). */
  #hostBeforeRestore: string | undefined;

  constructor(private readonly deps: RosterDeps) {}

  get(id: string): Member | undefined {
    return this.#members.get(id);
  }

  ids(): IterableIterator<string> {
    return this.#members.keys();
  }

  /** In the order they joined. */
  list(): Member[] {
    return [...this.#members.values()].sort((a, b) => a.order - b.order);
  }

  /** A welcome (the first, or after a reconnection): everyone in the room now. */
  welcome(members: readonly Member[], first: boolean): void {
    if (first) this.#reportedHost = this.deps.serverHostId();
    const present = new Set(members.map((m) => m.id));
    for (const member of members) {
      // A member the restore was waiting for is back: in a welcome, not only in a memberJoined
      // (the second member back learns of the first this way). Left waiting, its timer would
      // end it as 'lost' a reconnection window after the restore, links and all.
      this.#stopWaitingFor(member.id);
      const known = this.#members.has(member.id);
      this.#members.set(member.id, member);
      if (!first) this.deps.emit(known ? 'memberChanged' : 'memberJoined', member);
    }
    for (const id of [...this.#members.keys()]) if (!present.has(id) && !this.#missing.has(id)) this.remove(id, 'left');
    this.hostMaybeChanged();
  }

  joined(member: Member): void {
    const known = this.#members.has(member.id);
    this.#stopWaitingFor(member.id);
    this.#members.set(member.id, member);
    // The link to a newcomer exists before the game hears of it: what the game sends it from
    // `memberJoined` is queued for that link (session.emit).
    this.deps.changed();
    this.deps.emit(known ? 'memberChanged' : 'memberJoined', member);
  }

  changed(member: Member): void {
    this.#members.set(member.id, member);
    this.deps.emit('memberChanged', member);
  }

  remove(id: string, reason: 'left' | 'lost'): void {
    const member = this.#members.get(id);
    if (member === undefined) return;
    this.#stopWaitingFor(id);
    this.#members.delete(id);
    this.hostMaybeChanged();
    this.deps.changed();
    this.deps.emit('memberLeft', { member, reason });
  }

  /**
   * The host as this session reports it. While a room re-forms after a lobby restart, whoever
   * is back first hosts on the server until the member who hosted before returns and takes it
   * back; that flip is not news to anyone, so the earlier host stays the host here until the
   * server agrees, or that member is gone for good (see restoring).
   */
  hostId(): string {
    const before = this.#hostBeforeRestore;
    return before !== undefined && this.#members.has(before) ? before : this.deps.serverHostId();
  }

  /** After news from the room: report a new host, and end the restore's hold once it is settled. */
  hostMaybeChanged(): void {
    const before = this.#hostBeforeRestore;
    if (before !== undefined && (before === this.deps.serverHostId() || !this.#members.has(before))) this.#hostBeforeRestore = undefined;
    const hostId = this.hostId();
    if (hostId === this.#reportedHost) return;
    const previousHostId = this.#reportedHost ?? '';
    this.#reportedHost = hostId;
    this.deps.emit('hostChanged', { hostId, previousHostId });
  }

  /** The room was re-formed after a lobby restart: everyone else is coming back too; wait for them. */
  restoring(me: string): void {
    this.#hostBeforeRestore = this.#reportedHost;
    // Keep their links while they do.
    for (const id of this.#members.keys()) {
      if (id === me) continue;
      this.#missing.set(id, setTimeout(() => this.remove(id, 'lost'), LobbyLimits.reconnectWindowSeconds * 1000));
    }
  }

  close(): void {
    for (const timer of this.#missing.values()) clearTimeout(timer);
    this.#missing.clear();
  }

  #stopWaitingFor(id: string): void {
    clearTimeout(this.#missing.get(id));
    this.#missing.delete(id);
  }
}
