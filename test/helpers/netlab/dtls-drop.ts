/**
 * Losing DTLS handshake packets on purpose, in a lab host (nftables on its output). A packet lost
 * so early is what makes libdatachannel wait a fixed second before it sends again
 * (libdatachannel#1635).
 */
import type { Lab } from './lab.js';

const TABLE = 'rpdtls';
/** A UDP datagram that starts a DTLS handshake record: content type 22 in the first byte after the 8-byte UDP header. */
const HANDSHAKE = 'udp length > 20 @th,64,8 22';

function load(lab: Lab, host: string, rules: string[]): void {
  lab.run(host, 'nft', ['-f', '-'], [`table inet ${TABLE} {`, ...rules, '  chain out {', '    type filter hook output priority 0; policy accept;', '  }', '}', ''].join('\n'));
}

/** The first handshake datagram to each destination address is dropped; its resend (a second later, from libdatachannel) passes. */
export function dropFirstDtlsHandshake(lab: Lab, host: string): void {
  load(lab, host, ['  set seen { type ipv4_addr; flags dynamic; }']);
  lab.run(host, 'nft', ['add', 'rule', 'inet', TABLE, 'out', ...`${HANDSHAKE} ip daddr != @seen add @seen { ip daddr } counter drop`.split(' ')]);
}

/**
 * Every handshake datagram from the first local port that sends one is dropped: that connection's
 * DTLS never finishes, and every later connection's (other ports: the set holds one) does.
 */
export function stallFirstDtlsHandshake(lab: Lab, host: string): void {
  load(lab, host, ['  set stalled { type inet_service; size 1; flags dynamic; }']);
  for (const rule of [`${HANDSHAKE} udp sport @stalled counter drop`, `${HANDSHAKE} add @stalled { udp sport } counter drop`]) {
    lab.run(host, 'nft', ['add', 'rule', 'inet', TABLE, 'out', ...rule.split(' ')]);
  }
}

/** Take the rules above out of `host` again. */
export function stopDroppingDtls(lab: Lab, host: string): void {
  lab.run(host, 'nft', ['delete', 'table', 'inet', TABLE]);
}

/** How many handshake datagrams the rules above have dropped in `host`. */
export function droppedDtlsHandshakes(lab: Lab, host: string): number {
  const listing = lab.run(host, 'nft', ['list', 'chain', 'inet', TABLE, 'out']);
  return [...listing.matchAll(/counter packets (\d+)/g)].reduce((sum, match) => sum + Number(match[1]), 0);
}
