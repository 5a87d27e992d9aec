/**
 * `net.matrix`: the NAT matrix of the network lab (test/helpers/netlab), measured. Per cell,
 * tries of a fresh pair of Node players joining one room through the real lobby: how many
 * opened, and the time from the guest's join to its open link. The baseline in the same run is
 * the "same network" cell with no ICE servers (host candidates on one LAN). Root only.
 */
import { labUnavailable } from '../helpers/netlab/lab.js';
import { connectPair, startCell, type Ice, type Network } from '../helpers/netlab/matrix.js';
import { percentile, round, type Metrics, type Scenario } from './harness.js';

const NETWORKS: Network[] = ['same network', 'both cone', 'both symmetric', 'symmetric + UDP blocked'];
const ICE: Ice[] = ['none', 'STUN', 'TURN'];
const TRIES = Number(process.env.RALLYPOINT_NET_MATRIX_TRIES ?? 20);
/** A cell whose first tries all fail has no path today: fewer tries say so as well as 20. */
const TRIES_IF_FIRST_FAIL = 3;
const OPEN_TIMEOUT_MS = 10_000;

const key = (network: Network, ice: Ice) => `${network.replace(/[^a-z]+/g, '_')}.${ice.toLowerCase()}`;

const matrix: Scenario = {
  name: 'net.matrix',
  description: `NAT × ICE servers in the lab: connect success and time to open (${TRIES} tries a cell)`,
  async run(): Promise<Metrics> {
    const why = labUnavailable();
    if (why !== undefined) throw new Error(`net.matrix: ${why}`);
    const metrics: Metrics = {};
    let minRate = 1;
    let baselineP50 = NaN;
    for (const network of NETWORKS) {
      for (const ice of ICE) {
        const cell = await startCell(network, ice);
        const times: number[] = [];
        let tries = 0;
        try {
          for (; tries < TRIES; tries++) {
            if (tries === TRIES_IF_FIRST_FAIL && times.length === 0) break;
            try {
              times.push((await connectPair(cell, OPEN_TIMEOUT_MS)).openMs);
            } catch {
              // counted as a failed try
            }
          }
        } finally {
          await cell.close();
        }
        const rate = times.length / tries;
        minRate = Math.min(minRate, rate);
        const k = key(network, ice);
        metrics[`${k}.success_rate`] = round(rate);
        metrics[`${k}.tries`] = tries;
        metrics[`${k}.connect_p50_ms`] = round(percentile(times, 50), 1);
        metrics[`${k}.connect_p99_ms`] = round(percentile(times, 99), 1);
        if (network === 'same network' && ice === 'none') baselineP50 = percentile(times, 50);
        else metrics[`${k}.connect_p50_vs_lan`] = round(percentile(times, 50) / baselineP50, 2);
        process.stdout.write(`\n  ${network} × ${ice}: ${times.length}/${tries} open, p50 ${round(percentile(times, 50), 1)} ms`);
      }
    }
    process.stdout.write('\n');
    metrics.success_rate_min = round(minRate);
    return metrics;
  },
};


const OUTAGE_MS = 10_000;
const FAILOVER_TRIES = Number(process.env.RALLYPOINT_NET_FAILOVER_TRIES ?? 3);

/**
 * `net.failover`, as things stand before ICE restart and the lobby relay exist: two cone homes
 * with STUN; events stream at 60 Hz while one home's UDP is blocked for 10 s. Today the link's
 * heartbeat times out, the session links again with backoff, and the new link opens once UDP is
 * back: `recovery_after_unblock_ms` (unblock → events flowing again) and the events lost.
 */
const failover: Scenario = {
  name: 'net.failover',
  description: `path lost for ${OUTAGE_MS / 1000} s mid-stream: time to traffic again, events lost (today: a new link)`,
  async run(): Promise<Metrics> {
    const why = labUnavailable();
    if (why !== undefined) throw new Error(`net.failover: ${why}`);
    const recoveries: number[] = [];
    const lostShares: number[] = [];
    for (let t = 0; t < FAILOVER_TRIES; t++) {
      const cell = await startCell('both cone', 'STUN');
      try {
        await connectPair(cell, OPEN_TIMEOUT_MS, async (host, guest) => {
          const streaming = host.call<{ numbers: number }>('stream', { ms: OUTAGE_MS + 40_000, everyMs: 16 }, 120_000);
          await new Promise((r) => setTimeout(r, 2000));
          cell.lab.setHome(2, { udpBlocked: true });
          await new Promise((r) => setTimeout(r, OUTAGE_MS));
          cell.lab.setHome(2, {});
          const unblockedAt = performance.now();
          const before = (await guest.call<{ count: number }>('received')).count;
          for (;;) {
            const now = await guest.call<{ count: number }>('received');
            if (now.count > before + 10) break;
            if (performance.now() - unblockedAt > 38_000) break;
            await new Promise((r) => setTimeout(r, 20));
          }
          recoveries.push(performance.now() - unblockedAt);
          const { numbers } = await streaming;
          const got = await guest.call<{ count: number }>('received');
          lostShares.push(1 - got.count / numbers);
        });
      } finally {
        await cell.close();
      }
    }
    return {
      recovery_after_unblock_p50_ms: round(percentile(recoveries, 50), 1),
      recovery_after_unblock_max_ms: round(Math.max(...recoveries), 1),
      failover_p50_ms: round(percentile(recoveries, 50) + OUTAGE_MS, 1),
      events_lost_share_p50: round(percentile(lostShares, 50)),
      tries: FAILOVER_TRIES,
    };
  },
};

export const netScenarios = [matrix, failover];
