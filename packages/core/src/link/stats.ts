/** `link.stats()`: what each part of the link counts, put together in the public shape. */
import type { RateMeter, LaneTotals } from '../lanes/totals.js';
import type { RttEstimator, SequenceWindow } from '../lanes/sequence.js';
import type { CandidateType } from '../paths/types.js';
import type { LinkStats } from '../stats-types.js';
import type { LinkStatus, LinkTransport } from '../types.js';

/** What `link.stats()` reads from each part of the link. */
export interface StatsSources {
  status: LinkStatus;
  transport: LinkTransport | null;
  pathChanges: number;
  relaySentBytes: number;
  candidateType: CandidateType | null;
  state: {
    totals: LaneTotals;
    bufferedAmount: number;
    badInput: number;
    stale: number;
    replaced: number;
    window: SequenceWindow;
    rtt: RttEstimator;
    rttSkipped: number;
  };
  events: {
    totals: LaneTotals;
    channelBufferedAmount: number;
    badInput: number;
    queuedBytes: number;
    pendingRequests: number;
    answering: number;
    reassemblyBytes: number;
    retainedBytes: number;
    retransmitted: number;
    duplicates: number;
  };
  rates: { state: RateMeter; events: RateMeter };
}

export function linkStats({ status, transport, pathChanges, relaySentBytes, candidateType, state, events, rates }: StatsSources): LinkStats {
  return {
    status,
    transport,
    pathChanges,
    relaySentBytes,
    rttMs: state.rtt.rttMs,
    jitterMs: state.rtt.jitterMs,
    rttSamplesSkipped: state.rttSkipped,
    candidateType,
    state: {
      ...state.totals,
      ...rates.state.rates,
      bufferedAmount: state.bufferedAmount,
      badInput: state.badInput,
      lost: Math.max(0, state.window.lost),
      lossRate: rates.state.lossRate,
      stale: state.stale,
      duplicates: state.window.duplicates,
      replaced: state.replaced,
    },
    events: {
      ...events.totals,
      ...rates.events.rates,
      bufferedAmount: events.channelBufferedAmount,
      badInput: events.badInput,
      queuedBytes: events.queuedBytes,
      pendingRequests: events.pendingRequests,
      answeringRequests: events.answering,
      reassemblyBytes: events.reassemblyBytes,
      unacknowledgedBytes: events.retainedBytes,
      retransmitted: events.retransmitted,
      duplicates: events.duplicates,
    },
  };
}
