/**
 * Driving the voice test page (test/e2e/voice/page.ts) from a test or benchmark, in Chromium
 * (playwright) or Firefox (puppeteer).
 */
import type { Page as PwPage } from 'playwright-core';
import type { Page as PpPage } from 'puppeteer-core';
import type { PeerAudio, PeerTraffic } from '../e2e/voice/page.js';
import { buildTestPage } from './test-page.js';
import { deadline } from './wait.js';

export type { PeerAudio, PeerTraffic };
type Api = Window['voiceTest'];

export const buildVoicePage = (): Promise<string> => buildTestPage('test/e2e/voice/page.ts', 'voice-page');

/** One page with the voice test page loaded. */
export interface VoicePage {
  readonly label: string;
  call<K extends keyof Api>(name: K, ...args: Parameters<Api[K]>): Promise<Awaited<ReturnType<Api[K]>>>;
  close(): Promise<void>;
}

type AnyPage = Pick<PwPage, 'evaluate' | 'goto' | 'close'> | Pick<PpPage, 'evaluate' | 'goto' | 'close'>;

export async function openVoicePage(page: AnyPage, url: string, label: string): Promise<VoicePage> {
  await page.goto(url);
  const evaluate = page.evaluate.bind(page) as <R, A>(fn: (arg: A) => R, arg: A) => Promise<Awaited<R>>;
  await waitIn(() => evaluate(() => typeof window.voiceTest === 'object', undefined), `${label} loads the voice page`);
  return {
    label,
    call: (name, ...args) =>
      evaluate(
        ([n, a]) => (window.voiceTest[n as keyof Api] as (...xs: unknown[]) => unknown)(...(a as unknown[])),
        [name, args] as const,
      ) as never,
    close: () => page.close(),
  };
}

/** Polls `check` until it returns something other than undefined (a page read each time). */
export async function waitIn<T>(check: () => Promise<T | undefined | false>, what: string, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + deadline(timeoutMs);
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > end) throw new Error(`timed out after ${deadline(timeoutMs)} ms waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

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
