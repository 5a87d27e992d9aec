/**
 * Driving the voice test page (test/e2e/voice/page.ts) from a test or benchmark, in Chromium
 * (playwright) or Firefox (puppeteer).
 */
import type { PeerAudio, PeerTraffic } from '../e2e/voice/page.js';
import { buildTestPage, openTestPage, waitIn, type AnyPage, type TestPage } from './test-page.js';

export type { PeerAudio, PeerTraffic };
type Api = Window['voiceTest'];

export const buildVoicePage = (): Promise<string> => buildTestPage('test/e2e/voice/page.ts', 'voice-page');

/** One page with the voice test page loaded. */
export type VoicePage = TestPage<Api>;

export const openVoicePage = (page: AnyPage, url: string, label: string): Promise<VoicePage> => openTestPage<Api>(page, url, label, 'voiceTest');

export { waitIn };

/** The audio from `peerId` as `page` receives it. */
export async function audioFrom(page: VoicePage, peerId: string): Promise<PeerAudio | undefined> {
  return (await page.call('audio')).find((entry) => entry.peerId === peerId);
}

/**
 * The RMS level of the audio from `peerId` over `windowMs`, from the growth of the received
 * energy (a single reading of `audioLevel` misses the fake microphone's short beeps), and how
 * many samples played meanwhile.
 */
export async function levelOver(page: VoicePage, peerId: string, windowMs = 1500): Promise<{ level: number; samples: number; bytes: number }> {
  const before = await audioFrom(page, peerId);
  await new Promise((resolve) => setTimeout(resolve, windowMs));
  const after = await audioFrom(page, peerId);
  const energy = (after?.totalAudioEnergy ?? 0) - (before?.totalAudioEnergy ?? 0);
  const duration = (after?.totalSamplesDuration ?? 0) - (before?.totalSamplesDuration ?? 0);
  return {
    level: duration > 0 ? Math.sqrt(Math.max(0, energy) / duration) : 0,
    samples: (after?.totalSamplesReceived ?? 0) - (before?.totalSamplesReceived ?? 0),
    bytes: (after?.bytesReceived ?? 0) - (before?.bytesReceived ?? 0),
  };
}

/** Resolves once `page` receives audio from `peerId` that grows (bytes and samples). */
export async function hears(page: VoicePage, peerId: string): Promise<PeerAudio> {
  const first = await waitIn(async () => {
    const audio = await audioFrom(page, peerId);
    return audio !== undefined && audio.bytesReceived > 0 ? audio : undefined;
  }, `${page.label} receives audio from ${peerId}`);
  return waitIn(async () => {
    const audio = await audioFrom(page, peerId);
    // Firefox reports no totalSamplesReceived: its bytes must grow.
    const samples = audio?.totalSamplesReceived === null || (audio?.totalSamplesReceived ?? 0) > (first.totalSamplesReceived ?? 0);
    return audio !== undefined && audio.bytesReceived > first.bytesReceived && samples ? audio : undefined;
  }, `${page.label}'s audio from ${peerId} keeps arriving`);
}
