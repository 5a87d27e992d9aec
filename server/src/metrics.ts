import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { HttpLimitKind } from './config.js';
import type { RefusalReason } from './guard.js';
import type { RelayDropReason } from './relay.js';

/**
 * The server's Prometheus metrics, on a registry of its own (no prom-client global), served as
 * text at `/metrics`. prom-client rather than hand-written text: exposition format, escaping and
 * process metrics are a solved problem.
 */
export function createMetrics(live: { rooms: () => number; clients: () => number; relayedLinks: () => number; cluster?: (() => Promise<ClusterTotals>) | undefined }) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'rallypoint_' });
  const rooms = new Gauge({ name: 'rallypoint_rooms', help: 'Live game rooms.', registers: [registry], collect() { this.set(live.rooms()); } });
  const clients = new Gauge({ name: 'rallypoint_clients', help: 'Connected members of game rooms.', registers: [registry], collect() { this.set(live.clients()); } });
  const joins = new Counter({ name: 'rallypoint_joins_total', help: 'Members who joined a game room (reconnections not counted).', registers: [registry] });
  const signals = new Counter({ name: 'rallypoint_signals_relayed_total', help: 'WebRTC signals forwarded between members.', registers: [registry] });
  const rejected = new Counter<'reason'>({ name: 'rallypoint_messages_rejected_total', help: 'Client messages refused, by reason.', labelNames: ['reason'], registers: [registry] });
  const disconnectedForAbuse = new Counter({ name: 'rallypoint_clients_disconnected_for_abuse_total', help: 'Clients closed with code 4429.', registers: [registry] });
  const connectionsRefused = new Counter({ name: 'rallypoint_connections_refused_total', help: 'Connections refused (HTTP 429, or WebSocket close 4430): their address had --connections-per-address open already.', registers: [registry] });
  const bodiesRefused = new Counter({ name: 'rallypoint_http_bodies_refused_total', help: 'HTTP requests answered 413 (or closed): a body over --max-body-bytes.', registers: [registry] });
  const badUpgrades = new Counter({ name: 'rallypoint_bad_upgrades_total', help: 'WebSocket upgrades refused: a target that names no room, or no seat reserved in it.', registers: [registry] });
  const badRequests = new Counter({ name: 'rallypoint_http_bad_requests_total', help: 'HTTP requests answered 400: a target or escape that could not be parsed.', registers: [registry] });
  const restoresRefused = new Counter({ name: 'rallypoint_restores_refused_total', help: 'Claims to a member id or room code without a valid restore token, or for a member still present.', registers: [registry] });
  const bytesIn = new Counter({ name: 'rallypoint_bytes_in_total', help: 'Bytes of WebSocket messages received.', registers: [registry] });
  const bytesOut = new Counter({ name: 'rallypoint_bytes_out_total', help: 'Bytes of WebSocket messages sent.', registers: [registry] });
  const relayBytes = new Counter({ name: 'rallypoint_relay_bytes_total', help: 'Bytes of game traffic forwarded between members for links with no direct path (frames, without headers).', registers: [registry] });
  const relayBytesBeforeDirect = new Counter({ name: 'rallypoint_relay_bytes_before_direct_total', help: 'Of the relayed bytes, those of links that then moved to a direct path (relay first: what the instant start cost), counted as each side reports its move.', registers: [registry] });
  const relayMovesToDirect = new Counter({ name: 'rallypoint_relay_moves_to_direct_total', help: 'Times a link (each side counted) moved its lanes from the relay to a direct path.', registers: [registry] });
  const relayMessages = new Counter({ name: 'rallypoint_relay_messages_total', help: 'Relay frames forwarded.', registers: [registry] });
  const relayDropped = new Counter<'reason'>({ name: 'rallypoint_relay_dropped_total', help: 'Relay frames not forwarded, by reason: relaying off, over the sender budget, no such member, the recipient backed up.', labelNames: ['reason'], registers: [registry] });
  const relayedLinks = new Gauge({ name: 'rallypoint_relayed_links', help: 'Pairs of members whose game traffic went through the relay in the last 5 s.', registers: [registry], collect() { this.set(live.relayedLinks()); } });
  for (const reason of ['off', 'budget', 'target', 'backlog'] as const) relayDropped.inc({ reason }, 0);
  const httpLimited = new Counter<'kind'>({ name: 'rallypoint_http_limited_total', help: 'HTTP requests answered 429: their address was over its budget, by kind (matchmake, probes, creates).', labelNames: ['kind'], registers: [registry] });
  for (const kind of ['matchmake', 'probes', 'creates'] as const satisfies readonly HttpLimitKind[]) httpLimited.inc({ kind }, 0);
  const processesReaped = new Counter({ name: 'rallypoint_cluster_processes_reaped_total', help: 'Lobby processes this one found gone (no heartbeat) and cleared, so their rooms could re-form.', registers: [registry] });
  if (live.cluster !== undefined) registerClusterGauges(registry, live.cluster);
  void relayedLinks;
  for (const reason of ['rate_limited', 'too_large', 'undecodable', 'unknown_type', 'invalid', 'signal_target'] as const) rejected.inc({ reason }, 0);
  void rooms;
  void clients;
  return {
    /** prom-client's registry of every metric below and Node's defaults: what `/metrics` serves. */
    registry,
    /** `rallypoint_joins_total` (its help text says what it counts). */
    joins,
    /** `rallypoint_signals_relayed_total` (its help text says what it counts). */
    signals,
    /** `rallypoint_clients_disconnected_for_abuse_total` (its help text says what it counts). */
    disconnectedForAbuse,
    /** `rallypoint_connections_refused_total` (its help text says what it counts). */
    connectionsRefused,
    /** `rallypoint_http_bodies_refused_total` (its help text says what it counts). */
    bodiesRefused,
    /** `rallypoint_bad_upgrades_total` (its help text says what it counts). */
    badUpgrades,
    /** `rallypoint_http_bad_requests_total` (its help text says what it counts). */
    badRequests,
    /** `rallypoint_restores_refused_total` (its help text says what it counts). */
    restoresRefused,
    /** `rallypoint_bytes_in_total` (its help text says what it counts). */
    bytesIn,
    /** `rallypoint_bytes_out_total` (its help text says what it counts). */
    bytesOut,
    /** `rallypoint_relay_bytes_total` (its help text says what it counts). */
    relayBytes,
    /** `rallypoint_relay_bytes_before_direct_total` (its help text says what it counts). */
    relayBytesBeforeDirect,
    /** `rallypoint_relay_moves_to_direct_total` (its help text says what it counts). */
    relayMovesToDirect,
    /** `rallypoint_relay_messages_total` (its help text says what it counts). */
    relayMessages,
    /** `rallypoint_http_limited_total` (its help text says what it counts). */
    httpLimited,
    /** `rallypoint_cluster_processes_reaped_total` (its help text says what it counts). */
    processesReaped,
    dropRelay(reason: RelayDropReason): void {
      relayDropped.inc({ reason });
    },
    reject(reason: RefusalReason | 'signal_target'): void {
      rejected.inc({ reason });
    },
  };
}

/** The server's Prometheus metrics (`LobbyServer.metrics`), as served at `/metrics`. */
export type Metrics = ReturnType<typeof createMetrics>;

/** A clustered lobby's figures: its live processes, and the rooms and members they hold. */
export interface ClusterTotals {
  /** Lobby processes with a live heartbeat in Redis. */
  processes: number;
  /** Game rooms in all of them. */
  rooms: number;
  /** Members connected to all of them. */
  clients: number;
}

/**
 * The whole lobby's figures, read from Redis at each scrape (every process serves the same
 * values; sum the per-process gauges, or take these from any one). A scrape while Redis is away
 * keeps the last values.
 */
function registerClusterGauges(registry: Registry, totals: () => Promise<ClusterTotals>): void {
  const gauges = [
    ['rallypoint_cluster_processes', 'Live lobby processes on this Redis.', 'processes'],
    ['rallypoint_cluster_rooms', 'Live game rooms across the lobby.', 'rooms'],
    ['rallypoint_cluster_clients', 'Connected members of game rooms across the lobby.', 'clients'],
  ] as const;
  for (const [name, help, field] of gauges) {
    new Gauge({
      name,
      help,
      registers: [registry],
      async collect() {
        try {
          this.set((await totals())[field]);
        } catch {
          // Redis is away: the gauge keeps the last value it had.
        }
      },
    });
  }
}
