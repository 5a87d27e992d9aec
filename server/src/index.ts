/**
 * @rallypoint/server — the rallypoint lobby server on Colyseus: rooms with short codes, quick
 * match, live listing, presence and host, a WebRTC signaling relay that stays inside each room,
 * ephemeral TURN credentials, a relay of game traffic for links with no direct path, limits on
 * everything a client sends, `/healthz` and `/metrics`.
 *
 * @example
 * import { startLobbyServer } from '@rallypoint/server';
 *
 * const server = await startLobbyServer({ port: 2567, staticDir: './public' });
 * process.once('SIGTERM', () => void server.close());
 */
export { startLobbyServer } from './server.js';
export { ConfigError, flags, parseConfig, usage } from './config.js';
export { ClientGuard } from './guard.js';
export { iceServersFor, turnCredentials } from './turn.js';
export { TlsFilesError } from './tls.js';
export { relayFits, relayTerms } from './relay.js';

export type { LobbyServer, LobbyServerInit } from './server.js';
export type { HttpLimitKind, HttpLimits, ServerConfig } from './config.js';
export type { GuardLimits, RefusalReason } from './guard.js';
export type { TurnConfig } from './turn.js';
export type { TlsFiles } from './tls.js';
export type { RelayDropReason } from './relay.js';
export type { ClusterTotals, Metrics } from './metrics.js';
