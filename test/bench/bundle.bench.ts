/**
 * `bundle.size`: what a page that uses each library weighs, min+gzip, bundled the same way (esbuild
 * --bundle --minify for the browser, the packages' own browser builds where they have one): a
 * page with our lobby client (lobby, links and relay: what a game ships), our link alone, and
 * beside them PeerJS, simple-peer, colyseus.js, socket.io-client and geckos.io's client, each imported and used once so nothing is
 * shaken out. simple-peer does not bundle for the browser on its own (it needs Node's events,
 * Buffer and process): it gets their browser ports injected.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build, type BuildOptions, type BuildResult } from 'esbuild';
import { colyseusLite } from '../../packages/lobby/colyseus-lite.mjs';
import { repoRoot } from '../helpers/repo.js';
import { round, type Scenario } from './harness.js';

const PAGES: Record<string, string> = {
  ours_lobby: `import { createLobby } from '@rallypoint/lobby'; window.x = createLobby({ url: location.origin });`,
  ours_link: `import { createLink } from '@rallypoint/core'; window.x = createLink({ initiator: true });`,
  peerjs: `import { Peer } from 'peerjs'; window.x = new Peer();`,
  simple_peer: `import SimplePeer from 'simple-peer'; window.x = new SimplePeer({ initiator: true });`,
  colyseus_js: `import { Client } from 'colyseus.js'; window.x = new Client(location.origin);`,
  socketio_client: `import { io } from 'socket.io-client'; window.x = io(location.origin);`,
  geckos_client: `import geckos from '@geckos.io/client'; window.x = geckos({ url: location.origin });`,
};

/** What a page weighs: min+gzip KiB, and its minified KiB by package (ours by package name). */
export interface PageWeight {
  kib: number;
  parts: Record<string, number>;
  /** Minified KiB of voice and media code (the lobby's `voice*.ts`, core's `media/`). */
  voice: number;
}

const VOICE_FILES = /packages\/(lobby\/src\/voice|core\/src\/media\/)/;

/** min+gzip KiB of a page using each library (the names of PAGES). */
export async function pageKib(): Promise<Record<string, number>> {
  const weights = await pageWeights();
  return Object.fromEntries(Object.entries(weights).map(([name, weight]) => [name, weight.kib]));
}

export async function pageWeights(): Promise<Record<string, PageWeight>> {
  const dir = mkdtempSync(join(tmpdir(), 'rallypoint-bundle-size-'));
  try {
    const weights: Record<string, PageWeight> = {};
    for (const [name, source] of Object.entries(PAGES)) weights[name] = await weigh(name, source, dir);
    return weights;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The package a bundled file belongs to: its node_modules name, or one of ours by its folder. */
function packageOf(file: string): string {
  const dependency = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file);
  if (dependency !== null) return dependency[1]!;
  const ours = /packages\/([^/]+)\//.exec(file);
  return ours === null ? 'the page' : `@rallypoint/${ours[1]!}`;
}

async function weigh(name: string, source: string, dir: string): Promise<PageWeight> {
  const entry = join(dir, `${name}.js`);
  writeFileSync(entry, source);
  const shims = name === 'simple_peer' ? { inject: [join(repoRoot(), 'test/bench/simple-peer-shims.js')], define: { global: 'globalThis' } } : {};
  const page = await bundle(entry, shims);
  // Our builds bundle what they need (colyseus.js in the lobby's), so the metafile sees one file:
  // the same page from our sources, bundled as our builds do, splits it by package.
  const ours = name.startsWith('ours_');
  const split = ours ? await bundle(entry, { conditions: ['source'], dropLabels: ['DEV'], plugins: [colyseusLite()] }) : page;
  return { kib: gzipSync(page.outputFiles[0]!.contents, { level: 9 }).byteLength / 1024, ...partsOf(split) };
}

/** Minified KiB by package, and of voice, from esbuild's metafile. */
function partsOf(result: BuildResult<{ metafile: true; write: false }>): Pick<PageWeight, 'parts' | 'voice'> {
  const parts: Record<string, number> = {};
  let voice = 0;
  for (const output of Object.values(result.metafile.outputs)) {
    for (const [file, { bytesInOutput }] of Object.entries(output.inputs)) {
      parts[packageOf(file)] = (parts[packageOf(file)] ?? 0) + bytesInOutput / 1024;
      if (VOICE_FILES.test(file)) voice += bytesInOutput / 1024;
    }
  }
  return { parts, voice };
}

async function bundle(entry: string, options: BuildOptions): Promise<BuildResult<{ metafile: true; write: false }>> {
  return build({
    ...options,
    entryPoints: [entry],
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    write: false,
    metafile: true,
    logLevel: 'error',
    // Resolve from the workspace's node_modules, the way an installed package would.
    nodePaths: [join(repoRoot(), 'node_modules')],
    absWorkingDir: repoRoot(),
  });
}

const size: Scenario = {
  name: 'bundle.size',
  description: 'min+gzip of a page using each library: our lobby client and link, PeerJS, simple-peer, colyseus.js, socket.io-client, geckos.io client (esbuild, same settings)',
  async run() {
    const weights = await pageWeights();
    const kib = Object.fromEntries(Object.entries(weights).map(([name, weight]) => [name, weight.kib]));
    const metrics: Record<string, number> = {};
    for (const [name, value] of Object.entries(kib)) metrics[`${name}_kib`] = round(value, 1);
    // A lobby page against what the same game would ship with the others (PeerJS brings its
    // own signaling client; simple-peer needs one, which colyseus.js is here).
    metrics.lobby_vs_peerjs = round(kib.ours_lobby! / kib.peerjs!, 2);
    metrics.lobby_vs_simple_peer_plus_colyseus = round(kib.ours_lobby! / (kib.simple_peer! + kib.colyseus_js!), 2);
    metrics.link_vs_simple_peer = round(kib.ours_link! / kib.simple_peer!, 2);
    // Where our pages' weight goes: minified KiB by package (before gzip, which esbuild's
    // metafile cannot split), largest first.
    for (const page of ['ours_lobby', 'ours_link'] as const) {
      const parts = Object.entries(weights[page]!.parts).filter(([, part]) => part >= 0.05).sort((x, y) => y[1] - x[1]);
      for (const [part, value] of parts) metrics[`${page}.min_kib.${part}`] = round(value, 1);
      // Of that, voice: in every lobby page (a session listens for voices whether or not it sends one).
      metrics[`${page}.voice_min_kib`] = round(weights[page]!.voice, 1);
    }
    return metrics;
  },
};

export const bundleScenarios: Scenario[] = [size];
