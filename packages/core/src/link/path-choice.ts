/**
 * Which path carries the lanes, and when they move. A link has at most two paths: its current
 * WebRTC connection (connections.ts) and, when the lobby relays, the relay. The first path to
 * open carries the hello (with `relayFirst`, the relay: it opens in one round trip through the
 * server, while ICE takes several); a direct connection that opens later takes the lanes from
 * the relay once it is confirmed and faster (upgrade.ts); a connection that dies (or goes silent:
 * liveness.ts) hands them to the relay, if it is there, while a new connection is made.
 *
 * Moving keeps every event: the events lane sends again from the first frame the peer has not
 * acknowledged, and asks the peer to do the same (`moveTo`); the game sees `transportChanged`.
 */
import type { RelayPath } from '../paths/relay-path.js';
import type { CandidateType, DirectPath, LaneChannel, Path } from '../paths/types.js';
import type { LinkTransport, Logger, TransportChangeReason, TransportChangedEvent } from '../types.js';
import type { Connections } from './connections.js';
import type { PathProbes } from './probes.js';
import { DirectUpgrade } from './upgrade.js';

/** What path choice moves: the two lanes. */
export interface ChosenLanes {
  /** Send on `path` from now on. */
  attach(path: Path): void;
  /** Ask the peer to resend on `channel` from the first events frame not here. */
  resumeOn(channel: LaneChannel): void;
  flush(): void;
}

export interface PathChoiceDeps {
  connections: Connections;
  relay: RelayPath | null;
  lanes: ChosenLanes;
  initiator: boolean;
  relayAfterMs: number;
  probes: PathProbes;
  now: () => number;
  logger: Logger;
  isOpen(): boolean;
  isConnecting(): boolean;
  isClosed(): boolean;
  /** Whether our hello went out. */
  helloSent(): boolean;
  /** Send our hello on the path just chosen, and open if the peer's is in. */
  sendHello(): void;
  /** The lanes moved: the new path is heard from as of now. */
  moved(): void;
  emitTransportChanged(event: TransportChangedEvent): void;
  /** No path is left before the link opened. */
  fail(error?: Error): void;
}

export class PathChoice {
  /** The path the lanes send on. */
  #current: Path | null = null;
  #transport: LinkTransport | null = null;
  #pathChanges = 0;
  #candidateType: CandidateType | null = null;
  #relayTimer: ReturnType<typeof setTimeout> | null = null;
  /** Moves the lanes from the relay to a direct path that has earned it. */
  readonly #upgrade: DirectUpgrade | null;

  constructor(private readonly deps: PathChoiceDeps) {
    const { relay, probes, now, logger } = deps;
    this.#upgrade =
      relay === null
        ? null
        : new DirectUpgrade({
            relay,
            probes,
            now,
            logger,
            current: () => this.#current,
            peer: () => deps.connections.peer,
            started: () => deps.helloSent() && !deps.isClosed(),
            moveTo: (path) => this.moveTo(path, 'direct-path'),
          });
  }

  get current(): Path | null {
    return this.#current;
  }

  get transport(): LinkTransport | null {
    return this.#transport;
  }

  get pathChanges(): number {
    return this.#pathChanges;
  }

  /** The current connection's local candidate type; null on the relay and until known. */
  get candidateType(): CandidateType | null {
    return this.#current?.kind === 'relay' ? null : this.#candidateType;
  }

  /** With a relay: if no connection has opened in `relayAfterMs`, start on the relay. */
  armRelayTimer(): void {
    if (this.deps.relay === null) return;
    this.#relayTimer = setTimeout(() => {
      this.#relayTimer = null;
      this.maybeStartOnRelay();
    }, this.deps.relayAfterMs);
  }

  /** The link opened: no more waiting for the relay; how the lanes travel. */
  opened(): LinkTransport {
    this.#stopRelayTimer();
    this.#transport = this.#transportOf(this.#current!);
    return this.#transport;
  }

  /** After `open`: opened on the relay, keep trying for a direct connection. */
  keepTryingDirect(): void {
    if (this.#current !== this.deps.relay) return;
    const peer = this.deps.connections.peer;
    if (peer === null) this.deps.connections.scheduleAttempt();
    else if (peer.isOpen) this.#upgrade?.check();
    else this.deps.connections.watch(peer, true);
  }

  /** The link closed. */
  stop(): void {
    this.#stopRelayTimer();
    this.#upgrade?.stop();
  }

  #stopRelayTimer(): void {
    if (this.#relayTimer !== null) clearTimeout(this.#relayTimer);
    this.#relayTimer = null;
  }

  /**
   * The first connection to open carries the hello. A later one: from the relay, the lanes move
   * once it is confirmed and faster (upgrade.ts); from a dead connection, at once.
   */
  onPeerOpen(path: DirectPath): void {
    // A new connection has its own candidate pair: unknown until getStats says.
    this.#candidateType = null;
    this.refreshCandidateType(path);
    if (!this.deps.helloSent()) this.#start(path);
    else if (this.#current !== null && this.#current === this.deps.relay) this.#upgrade?.check();
    else if (path !== this.#current) this.moveTo(path, 'direct-path');
  }

  onRelayOpen(): void {
    // The relay is there for when the connection fails; the link starts on it only if no
    // connection opened in `relayAfterMs` (see maybeStartOnRelay).
    const relay = this.deps.relay!;
    if (this.deps.isClosed()) return;
    if (this.deps.helloSent() && this.#current !== null && this.#current !== relay && !this.#isAlive(this.#current)) this.moveTo(relay, 'path-lost');
    else if (!this.deps.helloSent() && this.#relayTimer === null) this.maybeStartOnRelay();
  }

  /** No connection opened in `relayAfterMs` (or it failed): start on the relay, if it is there. */
  maybeStartOnRelay(): void {
    const relay = this.deps.relay;
    if (relay === null || !relay.isOpen || this.deps.helloSent() || !this.deps.isConnecting()) return;
    this.deps.logger.debug({ afterMs: this.deps.relayAfterMs }, 'no direct connection yet: starting on the lobby relay');
    this.#start(relay);
  }

  /** The peer's hello came by `channel`: if it started on the relay, no use waiting for a connection of our own. */
  onRemoteHello(channel: LaneChannel): void {
    const relay = this.deps.relay;
    if (!this.deps.helloSent() && relay !== null && channel === relay.events && relay.isOpen) this.#start(relay);
  }

  /** The peer asked for frames again on the path of `channel`: send there from now on. */
  onResume(channel: LaneChannel): boolean {
    const { relay, connections } = this.deps;
    const peer = connections.peer;
    const path = relay?.events === channel ? relay : peer?.events === channel ? peer : null;
    if (path === null || path === this.#current || !path.isOpen || !this.deps.helloSent()) return false;
    this.#switchTo(path, path.kind === 'p2p' ? 'direct-path' : 'path-lost');
    return true;
  }

  /** Move the lanes to `path` and ask the peer to follow, from the first event that has not arrived. */
  moveTo(path: Path, reason: TransportChangeReason): void {
    this.#switchTo(path, reason);
    this.deps.lanes.resumeOn(path.events!);
  }

  /** A connection closed or failed. Before the hello: the relay, or the link fails. After: move on. */
  onPeerDead(path: DirectPath, error?: Error): void {
    this.deps.probes.forget(path);
    if (this.deps.isClosed() || !this.deps.connections.lost(path)) return;
    this.deps.logger.debug({ path: path.id, error }, 'connection lost');
    if (!this.deps.helloSent()) {
      if (this.deps.relay !== null) {
        // The relay may still come; the connect timeout ends the wait.
        this.maybeStartOnRelay();
        if (this.deps.initiator) this.deps.connections.scheduleAttempt();
        return;
      }
      this.deps.fail(error);
      return;
    }
    this.leave(path);
  }

  /** The current connection is gone: the relay if it is there, and a new connection either way. */
  leave(path: DirectPath): void {
    const { connections } = this.deps;
    if (path === connections.peer) connections.drop();
    this.fallBack(path);
    connections.scheduleAttempt();
  }

  /** If the lanes are on `path`, move them to the relay (when it is open). */
  fallBack(path: DirectPath): void {
    const relay = this.deps.relay;
    if (this.#current === path && relay?.isOpen === true) this.moveTo(relay, 'path-lost');
  }

  /** Read the connection's selected candidate pair again: a TURN pair makes the transport `turn`. */
  refreshCandidateType(path: DirectPath): void {
    path.candidateType().then(
      (type) => {
        if (type === null || path !== this.deps.connections.peer) return;
        this.#candidateType = type;
        if (this.#current === path) this.#setTransport(this.#transportOf(path), 'candidate');
      },
      (error: unknown) => this.deps.logger.debug({ error }, 'getStats failed'),
    );
  }

  /** The first path: the lanes go there and the hello with them. */
  #start(path: Path): void {
    this.#current = path;
    this.deps.lanes.attach(path);
    this.deps.sendHello();
  }

  #switchTo(path: Path, reason: TransportChangeReason): void {
    const previous = this.#current;
    this.#current = path;
    this.#pathChanges++;
    if (path.kind === 'relay' && previous?.kind === 'p2p') {
      this.#upgrade?.fell();
      this.#upgrade?.check();
    }
    if (previous !== null && previous === this.deps.relay && path.kind === 'p2p') this.deps.relay.left();
    this.deps.moved();
    this.deps.lanes.attach(path);
    this.deps.logger.debug({ from: previous?.kind, to: path.kind, reason }, 'link moved to another path');
    // On the relay, the connection it left is dead (here or on the other side): make a new one.
    const { connections } = this.deps;
    if (path.kind === 'relay' && previous?.kind === 'p2p' && previous === connections.peer) {
      connections.drop();
      connections.scheduleAttempt();
    }
    this.#setTransport(this.#transportOf(path), reason);
    this.deps.lanes.flush();
  }

  #isAlive(path: Path): boolean {
    return path.kind === 'relay' ? path.isOpen : path === this.deps.connections.peer && path.isOpen;
  }

  #transportOf(path: Path): LinkTransport {
    if (path.kind === 'relay') return 'relay';
    return this.#candidateType === 'relay' ? 'turn' : 'p2p';
  }

  #setTransport(transport: LinkTransport, reason: TransportChangeReason): void {
    const previous = this.#transport;
    if (!this.deps.isOpen() || previous === null || previous === transport) {
      if (this.deps.isOpen()) this.#transport = transport;
      return;
    }
    this.#transport = transport;
    this.deps.emitTransportChanged({ transport, previous, reason });
  }
}
