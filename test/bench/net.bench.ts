/**
 * `net.matrix`: the NAT matrix of the network lab (test/helpers/netlab), measured. Per cell,
 * tries of a fresh pair of Node players joining one room through the real lobby, the host
 * greeting the guest from its `memberJoined`: how many got the greeting, the time from the
 * guest's join resolving to the greeting (relay first: at lobby speed in every cell), and
 * whether the link then reached the transport expected for the cell (a direct path or TURN where
 * one exists) within 20 s. The baseline in the same run is the "same network" cell with no ICE
 * servers (host candidates on one LAN). Root only.
 */
import { startAgent } from '../helpers/netlab/agents.js';
import { dropFirstDtlsHandshake, droppedDtlsHandshakes, stopDroppingDtls } from '../helpers/netlab/dtls-drop.js';
import { labUnavailable } from '../helpers/netlab/lab.js';
import { CELLS, connectPair, startCell, type Ice, type Network } from '../helpers/netlab/matrix.js';
import { percentile, round, type Metrics, type Scenario } from './harness.js';

/** 10 tries a cell keep the matrix (12 cells) near 10 minutes; RALLYPOINT_NET_MATRIX_TRIES for more. */
const TRIES = Number(process.env.RALLYPOINT_NET_MATRIX_TRIES ?? 10);
/** A cell whose first tries all fail has no path today: fewer tries say so as well as 10. */
const TRIES_IF_FIRST_FAIL = 3;
const OPEN_TIMEOUT_MS = 20_000;
const SETTLE_TIMEOUT_MS = 20_000;

const key = (network: Network, ice: Ice) => `${network.replace(/[^a-z]+/g, '_')}.${ice.toLowerCase()}`;

const matrix: Scenario = {
  name: 'net.matrix',
  description: `NAT × ICE servers in the lab: first event (guest joined → host's greeting) and the path it ends on (${TRIES} tries a cell)`,
  async run(): Promise<Metrics> {
    const why = labUnavailable();
    if (why !== undefined) throw new Error(`net.matrix: ${why}`);
    const metrics: Metrics = {};
    let minRate = 1;
    let worstFirstP50 = 0;
    let baselineP50 = NaN;
    let directTries = 0;
    let directReached = 0;
    for (const [network, ice, expected] of CELLS) {
      const cell = await startCell(network, ice);
      const firsts: number[] = [];
      const opens: number[] = [];
      const settles: number[] = [];
      let reached = 0;
      let tries = 0;
      try {
        for (; tries < TRIES; tries++) {
          if (tries === TRIES_IF_FIRST_FAIL && firsts.length === 0) break;
          try {
            const result = await connectPair(cell, OPEN_TIMEOUT_MS, async (host, guest) => {
              firsts.push((await guest.call<{ ms: number }>('firstEvent', { timeoutMs: OPEN_TIMEOUT_MS })).ms);
              const ends = await Promise.allSettled([host, guest].map((agent) => agent.call<{ afterMs: number }>('waitTransport', { transport: expected, timeoutMs: SETTLE_TIMEOUT_MS })));
              if (ends.every((end) => end.status === 'fulfilled')) {
                reached++;
                settles.push((ends[1] as PromiseFulfilledResult<{ afterMs: number }>).value.afterMs);
              }
            });
            opens.push(result.openMs);
          } catch {
            // counted as a failed try
          }
        }
      } finally {
        await cell.close();
      }
      const rate = firsts.length / tries;
      minRate = Math.min(minRate, rate);
      if (expected !== 'relay') {
        directTries += tries;
        directReached += reached;
      }
      const k = key(network, ice);
      const firstP50 = percentile(firsts, 50);
      worstFirstP50 = Math.max(worstFirstP50, Number.isNaN(firstP50) ? Infinity : firstP50);
      metrics[`${k}.success_rate`] = round(rate);
      metrics[`${k}.tries`] = tries;
      metrics[`${k}.first_event_p50_ms`] = round(firstP50, 1);
      metrics[`${k}.first_event_p99_ms`] = round(percentile(firsts, 99), 1);
      metrics[`${k}.open_p50_ms`] = round(percentile(opens, 50), 1);
      metrics[`${k}.${expected}_pct`] = round((100 * reached) / tries, 1);
      metrics[`${k}.${expected}_after_p50_ms`] = round(percentile(settles, 50), 1);
      if (network === 'same network' && ice === 'none') baselineP50 = firstP50;
      else metrics[`${k}.first_event_p50_vs_lan`] = round(firstP50 / baselineP50, 2);
      process.stdout.write(`\n  ${network} × ${ice}: ${firsts.length}/${tries} greeted, first event p50 ${round(firstP50, 1)} ms, on ${expected} ${reached}/${tries} (p50 ${round(percentile(settles, 50), 1)} ms)`);
    }
    process.stdout.write('\n');
    metrics.success_rate_min = round(minRate);
    metrics.first_event_ms_p50_max = round(worstFirstP50, 1);
    metrics.direct_pct_where_possible = round((100 * directReached) / directTries, 1);
    return metrics;
  },
};

const OUTAGE_MS = 10_000;
const FAILOVER_TRIES = Number(process.env.RALLYPOINT_NET_FAILOVER_TRIES ?? 5);

interface Transports {
  changes: Array<{ transport: string; atMs: number }>;
  closes: string[];
  transport: string | null;
}

/**
 * `net.failover`: two cone homes with STUN; numbered events stream at 60 Hz while one home's UDP
 * is blocked for 10 s. The link moves to the lobby relay when its connection goes silent
 * (`pathTimeoutMs`), and back to a direct connection once UDP is let through. Measured: path
 * loss (the block) → events arriving again (`failover_*`), unblock → direct again
 * (`back_to_direct_*`), and events lost or doubled (both should be 0). The baseline in the same
 * run is the same stream's gap without any outage: the longest pause between two events.
 */
const failover: Scenario = {
  name: 'net.failover',
  description: `path lost for ${OUTAGE_MS / 1000} s mid-stream: time to traffic again (relay), back to direct, events lost (${FAILOVER_TRIES} tries)`,
  async run(): Promise<Metrics> {
    const why = labUnavailable();
    if (why !== undefined) throw new Error(`net.failover: ${why}`);
    const failovers: number[] = [];
    const backs: number[] = [];
    const quietGaps: number[] = [];
    let lost = 0;
    let duplicated = 0;
    let closes = 0;
    for (let t = 0; t < FAILOVER_TRIES; t++) {
      const cell = await startCell('both cone', 'STUN');
      try {
        await connectPair(cell, OPEN_TIMEOUT_MS, async (host, guest) => {
          const streaming = host.call<{ numbers: number }>('stream', { ms: OUTAGE_MS + 25_000, everyMs: 16 }, 120_000);
          /** Polls the guest's count until it has grown by 10; returns the ms it took. */
          const untilFlowing = async (limitMs: number) => {
            const t0 = performance.now();
            const start = (await guest.call<{ count: number }>('received')).count;
            while ((await guest.call<{ count: number }>('received')).count < start + 10 && performance.now() - t0 < limitMs) await new Promise((r) => setTimeout(r, 10));
            return performance.now() - t0;
          };
          await new Promise((r) => setTimeout(r, 2000));
          quietGaps.push(await untilFlowing(5000)); // the same measure with nothing wrong: 10 events' time
          cell.lab.setHome(2, { udpBlocked: true });
          failovers.push(await untilFlowing(OUTAGE_MS));
          await new Promise((r) => setTimeout(r, Math.max(0, OUTAGE_MS - failovers.at(-1)!)));
          cell.lab.setHome(2, {});
          const unblockedAt = performance.now();
          while ((await guest.call<Transports>('transports')).transport !== 'p2p' && performance.now() - unblockedAt < 40_000) await new Promise((r) => setTimeout(r, 50));
          backs.push(performance.now() - unblockedAt);
          const { numbers } = await streaming;
          await new Promise((r) => setTimeout(r, 1000));
          const got = await guest.call<{ count: number; duplicates: number }>('received');
          lost += numbers - (got.count - got.duplicates);
          duplicated += got.duplicates;
          closes += (await guest.call<Transports>('transports')).closes.length;
        });
      } finally {
        await cell.close();
      }
    }
    return {
      failover_p50_ms: round(percentile(failovers, 50), 1),
      failover_p99_ms: round(percentile(failovers, 99), 1),
      failover_max_ms: round(Math.max(...failovers), 1),
      quiet_p50_ms: round(percentile(quietGaps, 50), 1),
      failover_p50_vs_quiet: round(percentile(failovers, 50) / percentile(quietGaps, 50), 1),
      back_to_direct_p50_ms: round(percentile(backs, 50), 1),
      back_to_direct_max_ms: round(Math.max(...backs), 1),
      events_lost: lost,
      events_duplicated: duplicated,
      link_closes: closes,
      tries: FAILOVER_TRIES,
    };
  },
};

const DTLS_ROUNDS = Number(process.env.RALLYPOINT_NET_DTLS_ROUNDS ?? 8);

/**
 * `net.dtls`: what one lost DTLS handshake packet costs a pair of Node players (same LAN in the
 * lab, real lobby): the time from the guest's join resolving to both links on their direct
 * connection, in rounds of three pairs: no packet lost; the first handshake packet host a sends
 * dropped (dtls-drop.ts), with the link's DTLS race (connections.ts); the same loss without the
 * race, as node-datachannel alone would (libdatachannel resends after a fixed second). Root only.
 */
const dtls: Scenario = {
  name: 'net.dtls',
  description: `one lost DTLS handshake packet: guest joined → both on the direct connection, clean / lost and raced / lost, no race (${DTLS_ROUNDS} rounds)`,
  async run(): Promise<Metrics> {
    const why = labUnavailable();
    if (why !== undefined) throw new Error(`net.dtls: ${why}`);
    const cell = await startCell('same network', 'none');
    const times = { clean: [] as number[], raced: [] as number[], unraced: [] as number[] };
    let failed = 0;
    let dropped = 0;
    try {
      for (let round = 0; round < DTLS_ROUNDS; round++) {
        for (const variant of ['clean', 'raced', 'unraced'] as const) {
          if (variant !== 'clean') dropFirstDtlsHandshake(cell.lab, 'a');
          const [host, guest] = await Promise.all([startAgent(cell.lab, 'a'), startAgent(cell.lab, 'b')]);
          try {
            const racesDtls = variant !== 'unraced';
            const { code } = await host.call<{ code: string }>('join', { url: cell.lobby.url, racesDtls });
            await guest.call('join', { url: cell.lobby.url, code, racesDtls });
            const ends = await Promise.all([host, guest].map((agent) => agent.call<{ afterMs: number }>('waitTransport', { transport: 'p2p', timeoutMs: SETTLE_TIMEOUT_MS })));
            times[variant].push(ends[1]!.afterMs);
          } catch {
            failed++;
          } finally {
            await Promise.all([host.stop(), guest.stop()]);
            if (variant !== 'clean') {
              dropped += droppedDtlsHandshakes(cell.lab, 'a');
              stopDroppingDtls(cell.lab, 'a');
            }
          }
        }
      }
    } finally {
      await cell.close();
    }
    const p50 = (samples: number[]) => round(percentile(samples, 50), 1);
    const max = (samples: number[]) => round(Math.max(...samples), 1);
    return {
      clean_direct_p50_ms: p50(times.clean),
      clean_direct_max_ms: max(times.clean),
      lost_raced_direct_p50_ms: p50(times.raced),
      lost_raced_direct_max_ms: max(times.raced),
      lost_unraced_direct_p50_ms: p50(times.unraced),
      lost_unraced_direct_max_ms: max(times.unraced),
      /** What the lost packet costs with the race, over without it (p50 of the extra time past clean). */
      lost_cost_ratio_raced_vs_unraced: round((p50(times.raced) - p50(times.clean)) / (p50(times.unraced) - p50(times.clean)), 2),
      packets_dropped: dropped,
      failed_pairs: failed,
    };
  },
};

export const netScenarios = [matrix, failover, dtls];
