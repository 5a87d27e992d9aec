/** What `link.stats()` reports: the types only (link/stats.ts puts them together). */
import type { CandidateType } from './paths/types.js';
import type { LinkStatus, LinkTransport } from './types.js';

/** Traffic of one lane: totals since the link was made, and rates over the last heartbeat interval. */
export interface LaneStats {
  /** Messages received and delivered, since the link was made. */
  messagesIn: number;
  /** Messages sent, since the link was made. */
  messagesOut: number;
  /** Bytes received on this lane (the link's frames, headers included), since the link was made. */
  bytesIn: number;
  /** Bytes sent on this lane (the link's frames, headers included), since the link was made. */
  bytesOut: number;
  /** Messages received a second, over the last heartbeat interval. */
  messagesInPerSec: number;
  /** Messages sent a second, over the last heartbeat interval. */
  messagesOutPerSec: number;
  /** Bytes received a second, over the last heartbeat interval. */
  bytesInPerSec: number;
  /** Bytes sent a second, over the last heartbeat interval. */
  bytesOutPerSec: number;
  /** Bytes handed to the data channel and not yet sent. */
  bufferedAmount: number;
  /** Malformed, unknown or wrongly shaped messages received and dropped. */
  badInput: number;
}

/** The state lane's traffic, with its loss, staleness and backpressure counts. */
export interface StateLaneStats extends LaneStats {
  /** Frames that never arrived (sequence gaps not filled by late arrivals). */
  lost: number;
  /** Share of frames lost over the last second, 0..1. */
  lossRate: number;
  /** State messages dropped because a newer one had already arrived. */
  stale: number;
  /** State frames that arrived twice and were dropped (the network, or a path change, doubled them). */
  duplicates: number;
  /** Unsent state replaced by newer state while the channel was backed up. */
  replaced: number;
}

/** The events lane's traffic, with its queue, requests, reassembly and resends. */
export interface EventsLaneStats extends LaneStats {
  /** Bytes waiting in the link's own queue (behind the channel's high-water mark or the handshake). */
  queuedBytes: number;
  /** Requests sent and not yet answered. */
  pendingRequests: number;
  /** The peer's requests being answered (handler running). */
  answeringRequests: number;
  /** Bytes held in the peer's fragmented events still being reassembled. */
  reassemblyBytes: number;
  /** Bytes sent and not yet acknowledged by the peer (kept to send again if the path fails). */
  unacknowledgedBytes: number;
  /** Events frames sent again: after a change of path, or a loss on the relay. */
  retransmitted: number;
  /** Events frames that arrived twice and were dropped (a resend overlapping the old path). */
  duplicates: number;
}

/** What `link.stats()` reports: RTT, jitter, transport and both lanes' traffic. */
export interface LinkStats {
  /** `connecting`, `open` or `closed`: as `link.status`. */
  status: LinkStatus;
  /**
   * Smoothed round-trip time from heartbeats; null until the first heartbeat returns. Heartbeats
   * that waited behind a backlog of outgoing data on either side are left out (see `rttSamplesSkipped`).
   */
  rttMs: number | null;
  /** Smoothed variation between successive RTT samples. */
  jitterMs: number | null;
  /** Heartbeats left out of the RTT because they waited behind our own (or the peer's) backlog of outgoing data. */
  rttSamplesSkipped: number;
  /** Local candidate type of the selected ICE pair; null until known, and on the lobby relay. */
  candidateType: CandidateType | null;
  /** How the lanes travel now; null until open. */
  transport: LinkTransport | null;
  /** Times the lanes moved to another path. */
  pathChanges: number;
  /**
   * Bytes this side has sent through the lobby relay (lanes, probes and the relay's handshake):
   * what relaying the link cost the server, one way. 0 without a relay.
   */
  relaySentBytes: number;
  /** The state lane: unreliable, unordered, newest wins. */
  state: StateLaneStats;
  /** The events lane: reliable and ordered. */
  events: EventsLaneStats;
}
