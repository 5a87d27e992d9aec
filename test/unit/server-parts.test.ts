import { describe, expect, test } from 'vitest';
import { ClientGuard, iceServersFor, parseConfig, relayFits, relayTerms, turnCredentials } from '@rallypoint/server';
import { RelayAbusers } from '../../server/src/relay.js';
import { LobbyCloseCode, LobbyLimits, RelayBudget } from '@rallypoint/protocol';
import { TooManyConnectionsError, errorFromCode, initiates, linkedPeers } from '@rallypoint/lobby';
import { tooManyRequests } from '../../packages/lobby/src/errors.js';

describe('TURN REST API credentials', () => {
  test('username is expiry:sessionId, credential the base64 HMAC-SHA1 of it', () => {
    // Expected value from openssl, not from node:crypto:
    //   echo -n "1700003600:user123" | openssl dgst -sha1 -hmac "s3cret" -binary | base64
    expect(turnCredentials('s3cret', 'user123', 3600, 1_700_000_000_000)).toEqual({ username: '1700003600:user123', credential: 'F7IO+aZsV+l5w0HZGDrs8PpjGus=' });
  });

  test('members get the configured servers plus their own TURN entry', () => {
    const servers = iceServersFor([{ urls: 'stun:stun.example.org' }], { secret: 's3cret', urls: ['turn:turn.example.org'], ttlSeconds: 3600 }, 'user123', 1_700_000_000_000);
    expect(servers).toEqual([{ urls: 'stun:stun.example.org' }, { urls: ['turn:turn.example.org'], username: '1700003600:user123', credential: 'F7IO+aZsV+l5w0HZGDrs8PpjGus=' }]);
    expect(iceServersFor([], undefined, 'u', 0)).toEqual([]);
  });
});

describe('client message budget', () => {
  test('a burst, then the refill rate; strikes run out once, one forgiven a second', () => {
    let now = 0;
    const guard = new ClientGuard(() => now, { messageBurst: 10, messagesPerSecond: 5, abuseStrikes: 3, relayDropsPerStrike: 4 });
    for (let i = 0; i < 10; i++) expect(guard.take()).toBe(true);
    expect(guard.take()).toBe(false);
    now += 1000;
    for (let i = 0; i < 5; i++) expect(guard.take()).toBe(true);
    expect(guard.take()).toBe(false);
    expect([guard.strike(), guard.strike()]).toEqual([false, false]);
    now += 2000; // two strikes forgiven
    expect([guard.strike(), guard.strike(), guard.strike()]).toEqual([false, false, true]);
    expect(guard.strike()).toBe(false);
    expect(guard.expelled).toBe(true);
  });

  test('relay frames over budget strike once per relayDropsPerStrike, toward the same expulsion', () => {
    let now = 0;
    const guard = new ClientGuard(() => now, { messageBurst: 10, messagesPerSecond: 5, abuseStrikes: 3, relayDropsPerStrike: 4 });
    // An honest slip (a few drops a second) is forgiven as fast as it strikes.
    for (let second = 0; second < 30; second++, now += 1000) for (let i = 0; i < 4; i++) expect(guard.overRelayBudget()).toBe(false);
    expect(guard.expelled).toBe(false);
    // A flood: twelve drops in a moment are three strikes.
    const outcomes = Array.from({ length: 12 }, () => guard.overRelayBudget());
    expect(outcomes.indexOf(true)).toBe(11);
    expect(guard.expelled).toBe(true);
  });

  test('floods get one error reply a second; other refusals always get one', () => {
    let now = 0;
    const guard = new ClientGuard(() => now);
    expect([guard.mayReply('rate_limited'), guard.mayReply('rate_limited'), guard.mayReply('invalid')]).toEqual([true, false, true]);
    now += 1000;
    expect(guard.mayReply('rate_limited')).toBe(true);
  });
});

describe('relay budget and backlog', () => {
  test('an emptied budget has no burst, only the refill rate; an address cut off is remembered for a while', () => {
    let now = 0;
    const budget = new RelayBudget({ bytesPerSecond: 1000, messagesPerSecond: 10, burstSeconds: 2 }, () => now);
    budget.empty();
    expect(budget.take(1)).toBe(false);
    now += 500;
    expect(budget.take(500)).toBe(true);
    expect(budget.take(1)).toBe(false);
    const abusers = new RelayAbusers(() => now, 60_000);
    abusers.add('10.0.0.1');
    expect([abusers.has('10.0.0.1'), abusers.has('10.0.0.2')]).toEqual([true, false]);
    now += 60_000;
    expect(abusers.has('10.0.0.1')).toBe(false);
  });

  test('both buckets hold two seconds; the server takes, a client spends into debt and holds back', () => {
    let now = 0;
    const terms = { bytesPerSecond: 1000, messagesPerSecond: 10, burstSeconds: 2 };
    const server = new RelayBudget(terms, () => now);
    expect(server.take(2000)).toBe(true);
    expect(server.take(1)).toBe(false);
    now += 500;
    expect(server.take(500)).toBe(true);
    expect(server.take(1)).toBe(false);
    const client = new RelayBudget(terms, () => now);
    for (let i = 0; i < 20; i++) client.spend(1);
    expect(client.exhausted).toBe(false);
    client.spend(1);
    expect(client.exhausted).toBe(true); // one message into debt
    now += 200;
    expect(client.exhausted).toBe(false);
  });

  test('state waits first when the recipient is backed up, everything past the second mark', () => {
    const frame = (lane: 'events' | 'state') => ({ lane, memberId: 'm', frame: new Uint8Array(1) });
    expect(relayFits(frame('state'), LobbyLimits.relayStateBacklogBytes)).toBe(true);
    expect(relayFits(frame('state'), LobbyLimits.relayStateBacklogBytes + 1)).toBe(false);
    expect(relayFits(frame('events'), LobbyLimits.relayMaxBacklogBytes)).toBe(true);
    expect(relayFits(frame('events'), LobbyLimits.relayMaxBacklogBytes + 1)).toBe(false);
  });

  test('--relay-bytes-per-second sets the budget; 0 turns relaying off', () => {
    expect(parseConfig([], {}, undefined)).toMatchObject({ relayBytesPerSecond: LobbyLimits.relayBytesPerSecond });
    expect(parseConfig(['--relay-bytes-per-second', '0'], {}, undefined)).toMatchObject({ relayBytesPerSecond: 0 });
    expect(relayTerms(0)).toBeNull();
    expect(relayTerms(1000)).toMatchObject({ bytesPerSecond: 1000, maxMessageBytes: expect.any(Number) });
    expect(relayTerms(1000)!.maxMessageBytes).toBeLessThan(LobbyLimits.frameMaxBytes);
    expect(() => parseConfig(['--relay-bytes-per-second', '-5'], {}, undefined)).toThrow(/--relay-bytes-per-second/);
  });
});

describe('server configuration', () => {
  test('the security round\'s flags: body bound, claim lifetime, CORS origin, metrics listener and token', () => {
    expect(parseConfig([], {}, undefined)).toMatchObject({ maxBodyBytes: LobbyLimits.httpMaxBodyBytes, restoreClaimSeconds: LobbyLimits.restoreClaimSeconds, corsOrigin: undefined, metricsListen: undefined, metricsToken: undefined });
    const config = parseConfig(['--max-body-bytes', '8192', '--cors-origin', 'https://game.example', '--metrics-listen', '[::1]:9464', '--metrics-token', 'x'.repeat(16)], { RALLYPOINT_RESTORE_CLAIM_SECONDS: '600' }, undefined);
    expect(config).toMatchObject({ maxBodyBytes: 8192, restoreClaimSeconds: 600, corsOrigin: 'https://game.example', metricsListen: { host: '::1', port: 9464 }, metricsToken: 'x'.repeat(16) });
    expect(parseConfig(['--metrics-listen', '127.0.0.1:9464'], {}, undefined)).toMatchObject({ metricsListen: { host: '127.0.0.1', port: 9464 } });
    for (const [flag, value] of [['--cors-origin', 'game.example'], ['--metrics-listen', '9464'], ['--metrics-token', 'short'], ['--max-body-bytes', '10'], ['--restore-claim-seconds', '1']]) {
      expect(() => parseConfig([flag!, value!], {}, undefined), `${flag} ${value}`).toThrow(flag);
    }
  });

  test('the lobby client names a refusal by the connection limit, from a WebSocket close or an HTTP 429', () => {
    const reason = 'too many connections from this address (64; the server\'s --connections-per-address)';
    expect(errorFromCode(LobbyCloseCode.TooManyConnections, reason)).toBeInstanceOf(TooManyConnectionsError);
    expect(tooManyRequests(reason)).toBeInstanceOf(TooManyConnectionsError);
    expect(tooManyRequests('too many matchmaking requests from this address: try again in 3 s')).toMatchObject({ name: 'LobbyRateLimitedError', retryAfterSeconds: 3 });
  });

  test('flags win over environment variables, which win over defaults', () => {
    const config = parseConfig(['--port', '3000'], { RALLYPOINT_PORT: '4000', RALLYPOINT_HOST: '127.0.0.1', PORT: '5000' }, '/demo');
    expect(config).toMatchObject({ port: 3000, host: '127.0.0.1', staticDir: '/demo', iceServers: [], turn: undefined, logLevel: 'info' });
    expect(parseConfig([], { PORT: '5000' }, undefined)).toMatchObject({ port: 5000, staticDir: undefined });
    expect(parseConfig([], { RALLYPOINT_TURN_SECRET: 'x', RALLYPOINT_TURN_URLS: 'turn:a, turns:b' }, undefined)).toMatchObject({ turn: { secret: 'x', urls: ['turn:a', 'turns:b'], ttlSeconds: 3600 } });
    expect(parseConfig(['--help'], {}, undefined)).toBe('help');
  });

  test('bad values are named', () => {
    expect(() => parseConfig(['--port', '70000'], {}, undefined)).toThrow(/--port/);
    expect(() => parseConfig(['--nope'], {}, undefined)).toThrow(/nope/);
    expect(() => parseConfig(['--ice-servers', '{'], {}, undefined)).toThrow(/--ice-servers/);
    expect(() => parseConfig(['--log-level', 'loud'], {}, undefined)).toThrow(/--log-level/);
    expect(() => parseConfig(['--turn-urls', 'http://x'], { RALLYPOINT_TURN_SECRET: 'x' }, undefined)).toThrow(/--turn-urls/);
    // A bad variable is named as the variable that set it.
    expect(() => parseConfig([], { RALLYPOINT_PORT: 'eighty' }, undefined)).toThrow(/^RALLYPOINT_PORT \(--port\): /);
    expect(() => parseConfig([], { PORT: '-1' }, undefined)).toThrow(/^PORT \(--port\): /);
    expect(() => parseConfig(['--port', 'x'], { RALLYPOINT_PORT: '1' }, undefined)).toThrow(/^--port: /);
    expect(() => parseConfig(['--static', '/no/such/folder'], {}, undefined)).toThrow(/^--static: no folder at \/no\/such\/folder/);
    expect(() => parseConfig([], { RALLYPOINT_STATIC: '/no/such/folder' }, undefined)).toThrow(/^RALLYPOINT_STATIC \(--static\): no folder/);
  });
});

describe('scaling-out and HTTP-limit settings', () => {
  test('--redis, --public-address, --trust-proxy and the per-address budgets, from flags or variables', () => {
    expect(parseConfig(['--redis', 'redis://10.0.0.2:6379/1', '--public-address', 'lobby-2.example.org:2567', '--trust-proxy', '10.0.0.5, 10.0.0.6'], {}, undefined)).toMatchObject({
      redisUrl: 'redis://10.0.0.2:6379/1',
      publicAddress: 'lobby-2.example.org:2567',
      trustProxy: ['10.0.0.5', '10.0.0.6'],
      httpLimits: { matchmake: LobbyLimits.matchmakePerAddress, probes: LobbyLimits.probesPerAddress, creates: LobbyLimits.createsPerAddress },
    });
    expect(parseConfig([], { RALLYPOINT_REDIS_URL: 'rediss://u:p@r:6380', RALLYPOINT_HOST: '10.1.2.3', RALLYPOINT_PROBES_PER_ADDRESS: '0' }, undefined)).toMatchObject({ redisUrl: 'rediss://u:p@r:6380', publicAddress: undefined, httpLimits: { probes: 0 } });
    expect(parseConfig([], {}, undefined)).toMatchObject({ redisUrl: undefined, publicAddress: undefined, trustProxy: [] });
  });

  test('clustered on every interface, a process must be told its public address; bad values are named', () => {
    expect(() => parseConfig(['--redis', 'redis://r:6379'], {}, undefined)).toThrow(/--redis needs --public-address/);
    expect(() => parseConfig(['--redis', 'http://r:6379'], {}, undefined)).toThrow(/^--redis: a redis:\/\/ or rediss:\/\/ URL/);
    expect(() => parseConfig(['--public-address', 'ws://x:1'], {}, undefined)).toThrow(/^--public-address: host\[:port\]/);
    expect(() => parseConfig(['--creates-per-address', '-1'], {}, undefined)).toThrow(/--creates-per-address/);
  });
});

describe('topology', () => {
  const members = ['a', 'b', 'c', 'd'];
  test('star: the host links to all, the rest to the host', () => {
    expect([...linkedPeers('a', 'a', members, 'star')]).toEqual(['b', 'c', 'd']);
    expect([...linkedPeers('c', 'a', members, 'star')]).toEqual(['a']);
  });
  test('mesh: everyone links to everyone; the lower id initiates', () => {
    expect([...linkedPeers('c', 'a', members, 'mesh')]).toEqual(['a', 'b', 'd']);
    expect([initiates('a', 'b'), initiates('b', 'a')]).toEqual([true, false]);
  });
});
