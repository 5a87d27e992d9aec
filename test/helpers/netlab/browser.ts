/**
 * Chromium inside a lab host's namespace: a launcher script that `ip netns exec`s Debian's
 * Chromium, handed to playwright as the executable. Playwright talks to it over a pipe, so the
 * test (outside the lab) drives it while all its traffic stays inside the lab.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { CHROMIUM_PATH, launchChromium } from '../browsers.js';
import type { Lab } from './lab.js';

/** `extraArgs`: more Chromium switches (see `launchChromium`). */
export function launchChromiumIn(lab: Lab, host: string, extraArgs: readonly string[] = []): Promise<Browser> {
  return launchChromiumInNamespace(lab.ns(host), extraArgs);
}

/** Chromium inside any network namespace (the peers.* benchmarks make their own). */
export async function launchChromiumInNamespace(ns: string, extraArgs: readonly string[] = []): Promise<Browser> {
  const dir = mkdtempSync(join(tmpdir(), 'rallypoint-netns-chromium-'));
  const launcher = join(dir, 'chromium');
  writeFileSync(launcher, `#!/bin/sh\nexec ip netns exec ${ns} ${CHROMIUM_PATH} "$@"\n`);
  chmodSync(launcher, 0o755);
  const browser = await launchChromium(launcher, extraArgs);
  browser.on('disconnected', () => rmSync(dir, { recursive: true, force: true }));
  return browser;
}
