import { matchMaker } from '@colyseus/core';
import { RedisDriver } from '@colyseus/redis-driver';
import { RedisPresence } from '@colyseus/redis-presence';
import { CreateOptionsSchema, RoomName, validate } from '@rallypoint/protocol';
import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from 'pino';
import { createLocalDirectory, type GameRoomApi, type RoomDirectory } from './directory.js';
import type { ClusterTotals } from './metrics.js';

/**
 * A lobby of several processes on one Redis: Colyseus' own Redis presence (pub/sub between the
 * processes, its room counts) and driver (the room listings), plus what rallypoint adds on top:
 *
 * - **codes**: `rallypoint:codes` maps each live room code to the process holding it; a claim is
 *   one Lua script, so two processes cannot give out one code, nor re-form one room twice.
 * - **liveness**: each process refreshes `rallypoint:alive:<processId>` twice a second (2 s TTL)
 *   with its load beside it. Colyseus notices a dead process only when a request to it times out
 *   (and then leaves its listings behind); here every process looks at each beat, and the first
 *   to see a process gone clears its listings, codes and counts, so its rooms can re-form under
 *   the same codes elsewhere at once.
 * - **Redis restarts**: a process whose heartbeat finds its own key gone (Redis lost it) writes
 *   its rooms again (codes, listings, counts): a Redis that restarted empty is refilled within
 *   a second of coming back.
 */
export interface Cluster {
  readonly presence: RedisPresence;
  readonly driver: RedisDriver;
  /** rallypoint's own connection (codes, liveness, the HTTP limits). */
  readonly redis: Redis;
  readonly directory: RoomDirectory;
  /** Colyseus' hook: on which process a new room is made. */
  selectProcessIdToCreateRoom(roomName: string, options: unknown): Promise<string>;
  /** Live processes and what they hold, for the cluster gauges. */
  totals(): Promise<ClusterTotals>;
  /** Start the heartbeat and the watch on the others (once Colyseus has its process id). */
  start(): Promise<void>;
  /** Stop both and say this process is gone (after Colyseus shut down its own connections). */
  stop(): Promise<void>;
}

/** Per-process hooks the cluster reports through. */
export interface ClusterInit {
  url: string;
  logger: Logger;
  /** A process found dead and cleared, with how many of its rooms were listed. */
  onReaped?: (processId: string, rooms: number) => void;
}

/**
 * How often a process says it is alive, and how long that holds: a process is taken for dead
 * after four missed beats. Shorter means rooms re-form sooner after a crash (a relayed link
 * closes if its room takes longer than its heartbeatTimeoutMs, 5 s); a process stalled past it
 * is cleared too, and writes its rooms back at its next beat.
 */
const HEARTBEAT_MS = 500;
const ALIVE_TTL_MS = 2000;
/** After Redis comes back, how long before anyone is declared dead (everyone refreshes first). */
const REAP_GRACE_MS = ALIVE_TTL_MS + HEARTBEAT_MS;
/** A request to the process holding a room (its status, a member's place). */
const REMOTE_CALL_TIMEOUT_MS = 1000;

const Key = {
  codes: 'rallypoint:codes',
  load: 'rallypoint:load',
  alive: 'rallypoint:alive:',
  reaping: 'rallypoint:reaping:',
  // Colyseus' own: the driver's listings, the matchmaker's room counts, the live list's channel.
  listings: 'roomcaches',
  roomCounts: 'roomcount',
  lobbyChannel: '$lobby',
} as const;

/** Take a code unless a live process other than this one holds it. */
const CLAIM = `
local owner = redis.call('HGET', KEYS[1], ARGV[1])
if owner and owner ~= ARGV[2] and redis.call('EXISTS', ARGV[3] .. owner) == 1 then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return 1`;
/** Delete a hash field only if its value is ARGV[2]. */
const RELEASE = `
if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then return redis.call('HDEL', KEYS[1], ARGV[1]) end
return 0`;
/** Delete every field of a hash whose value is ARGV[1]. */
const RELEASE_ALL = `
local all = redis.call('HGETALL', KEYS[1])
for i = 1, #all, 2 do if all[i + 1] == ARGV[1] then redis.call('HDEL', KEYS[1], all[i]) end end
return 0`;
/** Delete a listing only if a process ARGV[2] wrote it (not one re-formed elsewhere since). */
const DELETE_LISTING = `
local v = redis.call('HGET', KEYS[1], ARGV[1])
if v and cjson.decode(v).processId == ARGV[2] then return redis.call('HDEL', KEYS[1], ARGV[1]) end
return 0`;
/** Delete every listing of process ARGV[1]; returns their room ids. */
const DELETE_LISTINGS_OF = `
local all = redis.call('HGETALL', KEYS[1])
local removed = {}
for i = 1, #all, 2 do
  local ok, listing = pcall(cjson.decode, all[i + 1])
  if ok and listing.processId == ARGV[1] then
    redis.call('HDEL', KEYS[1], all[i])
    removed[#removed + 1] = all[i]
  end
end
return removed`;

/** `redis://[user:password@]host[:port][/db]` or `rediss://` as ioredis options. */
export function redisOptions(url: string): RedisOptions {
  const u = new URL(url);
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') throw new Error(`not a redis:// or rediss:// URL: ${url}`);
  const db = u.pathname.length > 1 ? Number(u.pathname.slice(1)) : 0;
  if (!Number.isInteger(db) || db < 0) throw new Error(`bad database number in ${url}`);
  return {
    host: u.hostname.replace(/^\[|\]$/g, ''),
    port: u.port === '' ? 6379 : Number(u.port),
    username: u.username === '' ? undefined : decodeURIComponent(u.username),
    password: u.password === '' ? undefined : decodeURIComponent(u.password),
    db,
    tls: u.protocol === 'rediss:' ? {} : undefined,
    // While Redis is away, a request fails after one reconnection attempt instead of hanging on
    // twenty: the player sees an error and tries again, rather than waiting.
    maxRetriesPerRequest: 1,
  };
}

/**
 * Keeps listings this process wrote from being deleted by a room it disposes later: a room that
 * re-forms elsewhere under the same code (the room id) writes the same field, and Colyseus'
 * `remove()` and `cleanup()` delete by field alone.
 */
class OwnListingsDriver extends RedisDriver {
  constructor(
    options: RedisOptions,
    private readonly own: Redis,
    onError: (error: Error) => void,
  ) {
    super(options);
    // Its connection is private; without a listener ioredis prints every failed reconnection.
    (this as unknown as { _client: Redis })._client.on('error', onError);
  }

  override createInstance(initialValues: Record<string, unknown> = {}): ReturnType<RedisDriver['createInstance']> {
    const listing = super.createInstance(initialValues);
    let removed = false;
    const save = listing.save.bind(listing);
    listing.save = async () => {
      if (!removed) await save();
    };
    listing.remove = async () => {
      removed = true;
      return listing.roomId ? ((await this.own.eval(DELETE_LISTING, 1, Key.listings, listing.roomId, String(listing.processId))) as number) : 0;
    };
    return listing;
  }

  override async cleanup(processId: string): Promise<void> {
    await this.own.eval(DELETE_LISTINGS_OF, 1, Key.listings, processId);
  }
}

/** Colyseus' Redis presence, with its two connections' errors reported instead of printed. */
class ReportingPresence extends RedisPresence {
  constructor(options: RedisOptions, onError: (error: Error) => void) {
    super(options);
    this.pub.on('error', onError);
    this.sub.on('error', onError);
  }
}

/** One warning per connection every few seconds while Redis is away, not one per reconnection attempt. */
function reportErrors(logger: Logger, connection: string, where: string): (error: Error) => void {
  let lastAt = 0;
  return (error) => {
    if (Date.now() - lastAt < 5000) return;
    lastAt = Date.now();
    logger.warn({ err: error, redis: where, connection }, 'redis connection error (ioredis reconnects by itself)');
  };
}

/** Connect to Redis (failing clearly when it cannot be reached) and make the cluster's parts. */
export async function connectCluster(init: ClusterInit): Promise<Cluster> {
  const options = redisOptions(init.url);
  const where = `${options.host}:${options.port}`;
  const redis = new Redis({ ...options, lazyConnect: true });
  // At start, the first failure is the answer (ioredis would otherwise keep trying, and its
  // connect() rejects with "Connection is closed", not with why).
  let refused: Error | undefined;
  const onStartError = (error: Error) => (refused ??= error);
  redis.on('error', onStartError);
  try {
    await redis.connect();
  } catch (error) {
    redis.disconnect();
    throw new Error(`cannot reach Redis at ${where}: ${(refused ?? (error as Error)).message}`, { cause: refused ?? error });
  }
  redis.off('error', onStartError);
  redis.on('error', reportErrors(init.logger, 'rallypoint', where));
  const presence = new ReportingPresence(options, reportErrors(init.logger, 'presence', where));
  const driver = new OwnListingsDriver(options, redis, reportErrors(init.logger, 'driver', where));
  const directory = createLocalDirectory();
  const local = directory.local;
  const me = () => matchMaker.processId;
  const alive = async (processId: string) => processId === me() || (await redis.exists(Key.alive + processId)) === 1;

  let heartbeat: ReturnType<typeof setInterval> | undefined;
  let reapNotBefore = 0;
  let reaping = false;
  /** Redis lost what this process wrote (it restarted empty, or we were away past the TTL). */
  let rewriteNeeded = false;
  let beaten = false;

  const beat = async () => {
    let clients = 0;
    for (const room of local.values()) clients += room.memberCount;
    const [[, previous] = []] = (await redis.multi().set(Key.alive + me(), '1', 'PX', ALIVE_TTL_MS, 'GET').hset(Key.load, me(), `${local.size},${clients}`).exec()) ?? [];
    if (previous === null && beaten) rewriteNeeded = true;
    beaten = true;
    if (rewriteNeeded) await rewrite();
  };

  /** Clear what a dead process left: its listings (and their place in the live list), codes, counts. */
  const reap = async (processId: string) => {
    if ((await redis.set(Key.reaping + processId, me(), 'PX', 10_000, 'NX')) !== 'OK') return;
    const removed = (await redis.eval(DELETE_LISTINGS_OF, 1, Key.listings, processId)) as string[];
    for (const roomId of removed) void matchMaker.presence.publish(Key.lobbyChannel, `${roomId},0`);
    await redis.eval(RELEASE_ALL, 1, Key.codes, processId);
    await redis.multi().hdel(Key.roomCounts, processId).hdel(Key.load, processId).exec();
    init.logger.warn({ processId, rooms: removed.length }, 'lobby process gone: its rooms can re-form elsewhere');
    init.onReaped?.(processId, removed.length);
  };

  const watch = async () => {
    if (reaping || Date.now() < reapNotBefore) return;
    reaping = true;
    try {
      const known = new Set([...Object.keys(await redis.hgetall(Key.load)), ...Object.keys(await redis.hgetall(Key.roomCounts))]);
      known.delete(me());
      for (const processId of known) if (!(await alive(processId))) await reap(processId);
    } finally {
      reaping = false;
    }
  };

  /** This process's rooms, codes and counts again, into a Redis that lost them. */
  async function rewrite() {
    reapNotBefore = Date.now() + REAP_GRACE_MS;
    for (const room of local.values()) {
      if ((await redis.eval(CLAIM, 1, Key.codes, room.code, me(), Key.alive)) !== 1) {
        // Someone re-formed it elsewhere while we were cut off: two rooms, one code.
        init.logger.error({ code: room.code }, 'room code taken by another process while redis was away');
        continue;
      }
      await room.relist();
    }
    await matchMaker.stats.persist(true);
    rewriteNeeded = false;
    init.logger.info({ rooms: local.size }, 'redis lost this process\'s rooms: written again');
  }

  const remote = async <R>(code: string, method: keyof GameRoomApi, args: unknown[], fallback: R): Promise<R> => {
    const raw = await redis.hget(Key.listings, code);
    if (raw === null) return fallback;
    const listing = JSON.parse(raw) as { name?: string; processId?: string };
    if (listing.name !== RoomName.Game || listing.processId === undefined || !(await alive(listing.processId))) return fallback;
    try {
      return await matchMaker.remoteRoomCall<R>(code, method, args, REMOTE_CALL_TIMEOUT_MS);
    } catch {
      return fallback; // gone between the look and the call: the watch clears it within seconds
    }
  };

  const claiming = new Set<string>();
  return {
    presence,
    driver,
    redis,
    directory: {
      local,
      async claim(code) {
        if (local.has(code) || claiming.has(code)) return false;
        claiming.add(code);
        try {
          return (await redis.eval(CLAIM, 1, Key.codes, code, me(), Key.alive)) === 1;
        } finally {
          claiming.delete(code);
        }
      },
      async release(code) {
        await redis.eval(RELEASE, 1, Key.codes, code, me());
      },
      async status(code) {
        const room = local.get(code);
        return room !== undefined ? room.status() : remote(code, 'status', [], 'not-found' as const);
      },
      async holds(code, memberId) {
        const room = local.get(code);
        return room !== undefined ? room.holds(memberId) : remote(code, 'holds', [memberId], false);
      },
    },
    async selectProcessIdToCreateRoom(roomName, options) {
      // A restore (or anything the room may refuse) is made here: a refusal from another
      // process reaches the player without its error code (Colyseus' IPC keeps only the text).
      const create = validate(CreateOptionsSchema, options);
      if (roomName !== RoomName.Game || !create.ok || create.value.restore !== undefined) return me();
      let best: { processId: string; roomCount: number } | undefined;
      for (const stat of await matchMaker.stats.fetchAll()) {
        if (best !== undefined && stat.roomCount >= best.roomCount) continue;
        if (await alive(stat.processId)) best = stat;
      }
      return best?.processId ?? me();
    },
    async totals() {
      const load = await redis.hgetall(Key.load);
      const totals = { processes: 0, rooms: 0, clients: 0 };
      for (const value of Object.values(load)) {
        const [rooms = 0, clients = 0] = value.split(',').map(Number);
        totals.processes += 1;
        totals.rooms += rooms;
        totals.clients += clients;
      }
      return totals;
    },
    async start() {
      // Alive before Colyseus counts this process in: nobody may take it for a dead one.
      await beat();
      heartbeat = setInterval(() => {
        beat()
          .then(watch)
          .catch((error: unknown) => init.logger.debug({ err: error }, 'cluster heartbeat failed (redis away?)'));
      }, HEARTBEAT_MS);
    },
    async stop() {
      clearInterval(heartbeat);
      try {
        await redis.multi().del(Key.alive + me()).hdel(Key.load, me()).exec();
        await redis.eval(RELEASE_ALL, 1, Key.codes, me());
      } catch (error) {
        init.logger.warn({ err: error }, 'could not say goodbye to redis');
      }
      redis.disconnect();
    },
  };
}
