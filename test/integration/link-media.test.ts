/**
 * `link.media` on real node-datachannel links, which carry no media: adding a track is a named
 * `LinkMediaError` and the data lanes are untouched. (Audio itself is tested in real browsers:
 * test/e2e/voice-*.test.ts.)
 */
import { afterEach, expect, test } from 'vitest';
import { LinkMediaError } from '@rallypoint/core';
import { createLinkPair, type LinkPair } from '../helpers/pair.js';
import { until, waitFor } from '../helpers/wait.js';

type Game = { events: { hi: number } };
let pair: LinkPair<Game> | undefined;
afterEach(() => pair?.close());

const fakeTrack = (id: string) => ({ id, kind: 'audio', readyState: 'live' }) as unknown as MediaStreamTrack;
const fakeStream = () => ({ id: 's', getTracks: () => [] }) as unknown as MediaStream;

test('a link whose connection carries no media says so with a LinkMediaError, and its lanes go on', async () => {
  pair = await createLinkPair<Game>();
  const { a, b } = pair;
  expect(a.media.available).toBe(true);
  const track = fakeTrack('mic');
  expect(() => a.media.addTrack(track, fakeStream())).toThrow(LinkMediaError);
  // Nothing half-added: the track is not kept, replacing it is refused, removing it is a no-op.
  expect(a.media.localTracks).toEqual([]);
  await expect(a.media.replaceTrack(track, null)).rejects.toBeInstanceOf(LinkMediaError);
  a.media.removeTrack(track);
  expect(await a.media.stats()).toEqual({ inbound: [], outbound: [], renegotiations: 0 });
  expect(b.media.remoteTracks).toEqual([]);

  const got = new Promise<number>((resolve) => b.events.on('hi', resolve));
  a.events.emit('hi', 7);
  expect(await got).toBe(7);
  expect([a.status, b.status]).toEqual(['open', 'open']);
});

test('a track added before the connection opens is kept, and the failure to send it is reported as an error event', async () => {
  pair = await createLinkPair<Game>({ waitOpen: false });
  const { a, b } = pair;
  expect(a.media.available).toBe(false);
  const track = fakeTrack('early');
  a.media.addTrack(track, fakeStream());
  expect(a.media.localTracks).toEqual([track]);
  expect(() => a.media.addTrack(track, fakeStream())).toThrow(/added already/);
  const errors: Error[] = [];
  a.on('error', (error) => errors.push(error));
  await waitFor(a, 'open');
  await until(() => errors.length > 0, 'the failure is reported');
  expect(errors[0]).toBeInstanceOf(LinkMediaError);
  expect(a.status).toBe('open');
});
