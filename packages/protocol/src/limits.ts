/**
 * Every limit the lobby enforces, in one place: the server refuses what breaks them and the client
 * checks them before sending, so both sides agree on what "too long" means.
 */
export const LobbyLimits = {
  /** Longest display name, in UTF-16 code units, after trimming. */
  displayNameMaxLength: 32,
  /** Smallest and largest room. */
  roomSizeMin: 2,
  roomSizeMax: 16,
  /** Longest game mode name (`[a-z0-9_-]`). */
  modeMaxLength: 32,
  /** Largest signal payload (SDP or ICE candidate), measured as JSON. A data-channel-only SDP is ~1 KiB. */
  signalMaxBytes: 8 * 1024,
  /**
   * Largest lobby WebSocket frame. The transport closes the socket (code 1009) on a bigger one,
   * before any of it is parsed; everything between `signalMaxBytes` and this gets a named error.
   */
  frameMaxBytes: 16 * 1024,
  /**
   * Deepest nesting of a client message's payload, checked before it is decoded (a signal nests at
   * most 6 levels inside a 2-level envelope).
   */
  messageMaxDepth: 16,
  /** Most msgpack values (keys, items, containers) one client message may hold, checked before decoding. */
  messageMaxValues: 4096,
  /** Per-client message budget: a token bucket of this size, refilled at `messagesPerSecond`. */
  messageBurst: 200,
  messagesPerSecond: 100,
  /**
   * Refused messages (malformed, unknown, oversized, over budget) a client may accumulate before
   * it is disconnected with `LobbyCloseCode.Abuse`. One is forgiven per second.
   */
  abuseStrikes: 64,
  /** Largest HTTP request head (request line and headers); a bigger one is answered 431. */
  httpMaxHeaderBytes: 8 * 1024,
  /** Headers read from one HTTP request; the rest are ignored. */
  httpMaxHeaders: 64,
  /** An HTTP request whose headers take longer than this to arrive is answered 408 and closed. */
  httpHeadersTimeoutMs: 10_000,
  /**
   * Largest HTTP request body the server reads (matchmaking options are a few hundred bytes; a
   * restore claim under 1 KiB). A bigger one is answered 413 at once, unread; the server's
   * `--max-body-bytes` raises it.
   */
  httpMaxBodyBytes: 4 * 1024,
  /** An HTTP request (headers and body) that takes longer than this is answered 408 and closed. */
  httpRequestTimeoutMs: 20_000,
  /** Open TCP connections (WebSocket or HTTP) from one address; more are closed at once. 0: no limit. */
  connectionsPerAddress: 64,
  /**
   * Seconds a member who lost the lobby connection keeps its place, for reconnection; also how
   * long a room re-formed after a restart holds the places of the members its claims name.
   */
  reconnectWindowSeconds: 20,
  /**
   * Seconds a restore claim is honoured after the server issued it (the server's
   * `--restore-claim-seconds` default). Members get a fresh claim every third of this, so a claim
   * outlives a crash by at least two thirds of it: longer than a client tries to get back (120 s).
   */
  restoreClaimSeconds: 240,
  /**
   * Relay budget of one member, in bytes a second (the server's `--relay-bytes-per-second`
   * default; 0 there turns the relay off) and in messages a second; each bucket holds two
   * seconds' worth. What goes over is dropped (and the events lane sends it again later).
   */
  relayBytesPerSecond: 512 * 1024,
  relayMessagesPerSecond: 5000,
  relayBurstSeconds: 2,
  /**
   * Relay frames dropped for being over a member's budget that make one strike toward
   * `abuseStrikes` (one forgiven a second, as for any refused message). A client paces itself
   * at 90% of the budget and loses a frame or two a second to timing when it sends flat out
   * (measured: about 2), far from a strike a second; a flood of 64 × this in a moment is cut off.
   */
  relayDropsPerStrike: 10,
  /**
   * A recipient whose lobby connection has this much waiting gets no more relayed state (newer
   * state replaces it anyway); past the second figure, nothing more at all until it drains.
   */
  relayStateBacklogBytes: 256 * 1024,
  relayMaxBacklogBytes: 4 * 1024 * 1024,
  /**
   * HTTP requests one address may make in each window of `httpLimitWindowSeconds`, across the
   * whole lobby (shared through Redis when clustered): matchmaking (create, join, quick match,
   * reconnect, the live list), `/rooms/CODE` look-ups, and rooms created (counted on top of
   * matchmaking). More get 429 with `Retry-After`. The server's `--matchmake-per-address`,
   * `--probes-per-address` and `--creates-per-address` defaults; 0 there lifts a limit.
   */
  httpLimitWindowSeconds: 10,
  matchmakePerAddress: 50,
  probesPerAddress: 50,
  createsPerAddress: 20,
} as const;

/** Room codes: short, case-insensitive, without look-alikes (no 0/O, 1/I). */
export const RoomCodeFormat = {
  alphabet: 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789',
  length: 6,
} as const;

const codePattern = new RegExp(`^[${RoomCodeFormat.alphabet}]{${RoomCodeFormat.length}}$`);

/**
 * A room code as typed by a person ("abc-d2f", " ABCD2F ") in canonical form, or `undefined` if it
 * cannot be one.
 */
export function normalizeRoomCode(input: string): string | undefined {
  const code = input.trim().replace(/[\s-]/g, '').toUpperCase();
  return codePattern.test(code) ? code : undefined;
}

/** A new random room code; `randomInt(n)` returns an integer in [0, n). */
export function generateRoomCode(randomInt: (n: number) => number): string {
  let code = '';
  for (let i = 0; i < RoomCodeFormat.length; i++) code += RoomCodeFormat.alphabet[randomInt(RoomCodeFormat.alphabet.length)];
  return code;
}

/** The invite link for a room: `<origin>/?room=CODE`. */
export function inviteLink(origin: string, code: string): string {
  const url = new URL(origin);
  url.pathname = '/';
  url.search = `?room=${encodeURIComponent(code)}`;
  url.hash = '';
  return url.toString();
}
