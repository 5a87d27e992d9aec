/**
 * Voice chat in Debian's Chromium (fake microphone), two pages through the real lobby server:
 * - voice.setup: from `voice.start()` on one page to its audio arriving at the other, beside a
 *   separate RTCPeerConnection call with the microphone in its first offer (what a library
 *   without voice on its data connection does), in the same pages, alternating;
 * - voice.kbps: the audio one player sends (Opus, RTP payload and headers), and the data lanes'
 *   round trip with voice on and off (muted: no RTP), in alternating blocks of the same pair.
 */
import type { Browser, Page } from 'playwright-core';
import { CHROMIUM_FAKE_MEDIA, launchChromium } from '../helpers/browsers.js';
import { startServer, type ServerProcess } from '../helpers/lobby-server.js';
import { buildVoicePage, hears, openVoicePage, waitIn, type VoicePage } from '../helpers/voice.js';
import { percentile, round, sleep, type Metrics, type Scenario } from './harness.js';

const SETUP_ROUNDS = 12;
const PINGS_PER_BLOCK = 100;
const PING_INTERVAL_MS = 20;
const BLOCKS = 3;

interface Pair {
  a: VoicePage;
  b: VoicePage;
  aId: string;
  bId: string;
  close(): Promise<void>;
}

/** Two fresh pages (contexts of their own) in one room, the link open; raw-call signals wired across. */
async function pair(browser: Browser, server: ServerProcess): Promise<Pair> {
  const raws: Page[] = [];
  for (let i = 0; i < 2; i++) raws.push(await (await browser.newContext()).newPage());
  const [pa, pb] = raws as [Page, Page];
  const a = await openVoicePage(pa, server.url, 'A');
  const b = await openVoicePage(pb, server.url, 'B');
  await pa.exposeFunction('voiceSignal', (data: unknown) => b.call('rawSignal', data as never));
  await pb.exposeFunction('voiceSignal', (data: unknown) => a.call('rawSignal', data as never));
  const code = await a.call('create', 2, 'mesh');
  const bId = await b.call('join', code);
  const aId = await a.call('me');
  await waitIn(async () => (await a.call('openLinks')).length === 1 && (await b.call('openLinks')).length === 1, 'the link is open');
  return { a, b, aId, bId, close: async () => void (await Promise.all(raws.map((p) => p.context().close()))) };
}

async function withVoiceWorld<T>(run: (browser: Browser, server: ServerProcess) => Promise<T>): Promise<T> {
  const server = await startServer(['--static', await buildVoicePage()], {}, 'info');
  const browser = await launchChromium(undefined, CHROMIUM_FAKE_MEDIA);
  try {
    return await run(browser, server);
  } finally {
    await browser.close();
    await server.stop();
  }
}

const setup: Scenario = {
  name: 'voice.setup',
  description: `Chromium: voice.start() to audio at the other page (renegotiating the open link) vs a separate RTCPeerConnection call, ${SETUP_ROUNDS} fresh pairs, alternating`,
  run: () =>
    withVoiceWorld(async (browser, server) => {
      const ours: number[] = [];
      const raw: number[] = [];
      for (let i = 0; i < SETUP_ROUNDS; i++) {
        const p = await pair(browser, server);
        const measureOurs = async () => {
          const [started, arrived] = await Promise.all([p.a.call('startVoice', {}), p.b.call('firstAudioFrom', p.aId)]);
          if (!started.ok) throw new Error(`voice did not start: ${started.name}`);
          ours.push(arrived - started.startedAt);
        };
        const measureRaw = async () => {
          const [startedAt, arrived] = await Promise.all([p.a.call('rawCall'), p.b.call('rawFirstAudio')]);
          raw.push(arrived - startedAt);
        };
        // Whichever opens the fake microphone first in a page pays for it: take turns.
        for (const measure of i % 2 === 0 ? [measureOurs, measureRaw] : [measureRaw, measureOurs]) await measure();
        await Promise.all([p.a.call('rawClose'), p.b.call('rawClose')]);
        await p.close();
      }
      return sideBySide(['ours', ours], ['separate_call', raw], 'ratio', 1);
    }),
};

const kbps: Scenario = {
  name: 'voice.kbps',
  description: `Chromium: audio sent per player (Opus) and the state lane's RTT with voice on vs off (muted), ${BLOCKS} alternating blocks of ${PINGS_PER_BLOCK} pings`,
  run: () =>
    withVoiceWorld(async (browser, server) => {
      const p = await pair(browser, server);
      try {
        const off: number[] = [];
        const on: number[] = [];
        const sent = { payload: 0, headers: 0, packets: 0, seconds: 0 };
        // Before voice starts: the plain link.
        off.push(...(await p.a.call('ping', p.bId, PINGS_PER_BLOCK, PING_INTERVAL_MS)));
        await Promise.all([p.a.call('startVoice', {}), p.b.call('startVoice', {})]);
        await Promise.all([hears(p.a, p.bId), hears(p.b, p.aId)]);
        for (let block = 0; block < BLOCKS; block++) {
          await Promise.all([p.a.call('unmute'), p.b.call('unmute')]);
          await sleep(500);
          const before = await p.a.call('audioSent');
          const t0 = Date.now();
          on.push(...(await p.a.call('ping', p.bId, PINGS_PER_BLOCK, PING_INTERVAL_MS)));
          const after = await p.a.call('audioSent');
          sent.seconds += (Date.now() - t0) / 1000;
          sent.payload += after.payload - before.payload;
          sent.headers += after.headers - before.headers;
          sent.packets += after.packets - before.packets;
          if (block === BLOCKS - 1) break;
          await Promise.all([p.a.call('mute'), p.b.call('mute')]);
          await sleep(500);
          off.push(...(await p.a.call('ping', p.bId, PINGS_PER_BLOCK, PING_INTERVAL_MS)));
        }
        const kbit = (bytes: number) => (bytes * 8) / 1000 / sent.seconds;
        // What the RTP packets cost on the wire beyond their headers: SRTP's 10-byte tag, UDP 8, IPv4 20.
        const below = sent.packets * (10 + 8 + 20);
        return {
          audio_payload_kbps: round(kbit(sent.payload), 1),
          audio_rtp_kbps: round(kbit(sent.payload + sent.headers), 1),
          audio_wire_kbps_estimate: round(kbit(sent.payload + sent.headers + below), 1),
          audio_packets_per_s: round(sent.packets / sent.seconds, 1),
          ...sideBySide(['rtt_voice_on', on], ['rtt_voice_off', off], 'ratio_rtt_on_vs_off', 2),
          pings_lost: BLOCKS * 2 * PINGS_PER_BLOCK - on.length - off.length,
        };
      } finally {
        await p.close();
      }
    }),
};

/** p50 and p99 of two sets of times, and their ratios (`<ratio>_p50`: ours / theirs). */
function sideBySide(ours: [string, number[]], theirs: [string, number[]], ratio: string, digits: number): Metrics {
  const out: Metrics = {};
  for (const p of [50, 99]) {
    const [a, b] = [percentile(ours[1], p), percentile(theirs[1], p)];
    out[`${ours[0]}_ms_p${p}`] = round(a, digits);
    out[`${theirs[0]}_ms_p${p}`] = round(b, digits);
    out[`${ratio}_p${p}`] = round(a / b);
  }
  return out;
}

export const voiceScenarios: Scenario[] = [setup, kbps];
