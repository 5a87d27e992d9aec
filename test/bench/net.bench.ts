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

export const netScenarios = [matrix];
