import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Restore } from '@rallypoint/protocol';

/** What a restore token is bound to: one member's place in one room. */
export type RestoreClaim = Pick<Restore, 'code' | 'memberId' | 'order'>;

export interface RestoreTokens {
  /** The token for this place, handed to its member alone (in its welcome). */
  issue(claim: RestoreClaim): string;
  /** Whether `token` proves `claim`: the same code, id and order, from a server with this secret. */
  verify(claim: RestoreClaim, token: string): boolean;
}

/**
 * Restore tokens are an HMAC of the place they prove, keyed with the server's restore secret, so
 * a server that restarted with the same secret can check claims to rooms it no longer remembers,
 * and nobody else can make one. Without a configured secret each process draws its own: claims
 * from before a restart then fail (`RestoreRefused`), which is safe, not silent.
 */
export function createRestoreTokens(secret: string | undefined): RestoreTokens {
  const key = secret === undefined ? randomBytes(32) : Buffer.from(secret, 'utf8');
  const mac = ({ code, memberId, order }: RestoreClaim) => createHmac('sha256', key).update(`rallypoint-restore/1\n${code}\n${memberId}\n${order}`).digest();
  return {
    issue: (claim) => mac(claim).toString('base64url'),
    verify(claim, token) {
      const expected = mac(claim);
      const given = Buffer.from(token, 'base64url');
      return given.byteLength === expected.byteLength && timingSafeEqual(given, expected);
    },
  };
}
