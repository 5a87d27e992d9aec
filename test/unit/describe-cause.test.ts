/** Error messages carry their cause in words (issue: "not reachable: undefined"). */
import { describe, expect, it } from 'vitest';
import { describeCause } from '../../packages/lobby/src/errors.js';

describe('describeCause', () => {
  it('says what was thrown, whatever it was, never "undefined"', () => {
    const cases: Array<[unknown, string]> = [
      [new Error('connect ECONNREFUSED 127.0.0.1:2699'), 'connect ECONNREFUSED 127.0.0.1:2699'],
      // Node's fetch: the socket error is the cause.
      [new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED 127.0.0.1:2699') }), 'fetch failed (connect ECONNREFUSED 127.0.0.1:2699)'],
      // What colyseus.js rethrows in a browser when the request got no answer: the XMLHttpRequest.
      [{ status: 0, readyState: 4, responseText: '' }, 'no answer: the server is down or unreachable, or the browser refused the request (mixed content, CORS, certificate)'],
      [{ type: 'error', isTrusted: true }, 'no answer: the server is down or unreachable, or the browser refused the request (mixed content, CORS, certificate)'],
      [Object.assign(new Error(), { code: 1006 }), 'code 1006'],
      [{ reason: 'going away' }, 'going away'],
      ['a string', 'a string'],
      [undefined, 'no reason given'],
      [new (class Odd {})(), 'Odd with no message'],
    ];
    for (const [thrown, said] of cases) expect(describeCause(thrown)).toBe(said);
  });
});

describe('named errors carry their cause in their message', () => {
  it('a core error and a lobby error made with a cause say it; one that says it already does not repeat it', async () => {
    const { InvalidSignalError, LinkClosedError } = await import('@rallypoint/core');
    const { LobbyUnavailableError } = await import('@rallypoint/lobby');
    const refused = new Error('Invalid candidate format');
    expect(new InvalidSignalError('the connection refused the signal', { cause: refused }).message).toBe('the connection refused the signal: Invalid candidate format');
    expect(new LinkClosedError('The link closed (timeout)', { cause: new Error('no word for 6500 ms') }).message).toBe('The link closed (timeout): no word for 6500 ms');
    expect(new LobbyUnavailableError('lobby server x not reachable: connect ECONNREFUSED', undefined, { cause: new Error('connect ECONNREFUSED') }).message).toBe('lobby server x not reachable: connect ECONNREFUSED');
    expect(new LobbyUnavailableError('the lobby closed our connection', undefined, { cause: new Error('') }).message).toBe('the lobby closed our connection');
  });
});
