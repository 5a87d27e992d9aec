/**
 * Real browsers for end-to-end tests: Debian's Chromium through playwright-core, Debian's Firefox
 * ESR through puppeteer-core (WebDriver BiDi). Both headless, with nothing phoning home.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser as PwBrowser, type Page as PwPage } from 'playwright-core';
import puppeteer, { type Browser as PpBrowser, type Page as PpPage } from 'puppeteer-core';
import { repoRoot } from './repo.js';

export const CHROMIUM_PATH = process.env.RALLYPOINT_CHROMIUM ?? '/usr/bin/chromium';
export const FIREFOX_PATH = process.env.RALLYPOINT_FIREFOX ?? '/usr/bin/firefox-esr';

/** Chromium's fake microphone (a beep) and fake permission prompt, which says yes. */
export const CHROMIUM_FAKE_MEDIA = ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream'];

/**
 * `executablePath`: another Chromium launcher, e.g. one that starts it in a lab namespace
 * (netlab/browser.ts). `extraArgs`: more switches, e.g. `CHROMIUM_FAKE_MEDIA`.
 */
export function launchChromium(executablePath = CHROMIUM_PATH, extraArgs: readonly string[] = []): Promise<PwBrowser> {
  return chromium.launch({
    executablePath,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--autoplay-policy=no-user-gesture-required', ...extraArgs],
  });
}

/** `fakeMedia`: a fake microphone (a tone) and no permission prompt. */
export function launchFirefox(options: { fakeMedia?: boolean } = {}): Promise<PpBrowser> {
  const media = options.fakeMedia === true ? { 'media.navigator.streams.fake': true, 'media.navigator.permission.disabled': true, 'media.autoplay.default': 0 } : {};
  return puppeteer.launch({
    browser: 'firefox',
    executablePath: FIREFOX_PATH,
    headless: true,
    // Firefox ESR's BiDi has no viewport emulation command puppeteer 25 would send for a default viewport.
    defaultViewport: null,
    // Keep Firefox from calling home, and let WebRTC use loopback host candidates.
    extraPrefsFirefox: {
      'media.peerconnection.ice.loopback': true,
      'media.peerconnection.ice.obfuscate_host_addresses': false,
      'network.captive-portal-service.enabled': false,
      'app.update.enabled': false,
      'browser.safebrowsing.malware.enabled': false,
      'browser.safebrowsing.phishing.enabled': false,
      'datareporting.policy.dataSubmissionEnabled': false,
      'toolkit.telemetry.enabled': false,
      ...media,
    },
  });
}

/** The two page APIs the demo tests use, the same over playwright and puppeteer. */
export interface GamePage {
  readonly label: string;
  goto(url: string): Promise<unknown>;
  /** Evaluate in the page. */
  evaluate<T>(fn: () => T): Promise<T>;
  click(buttonName: string): Promise<void>;
  keyDown(key: string): Promise<void>;
  keyUp(key: string): Promise<void>;
  screenshot(path: string): Promise<unknown>;
  close(): Promise<void>;
}

export function playwrightPage(page: PwPage, label: string): GamePage {
  return {
    label,
    goto: (url) => page.goto(url),
    evaluate: (fn) => page.evaluate(fn),
    click: (name) => page.getByRole('button', { name, exact: true }).click(),
    keyDown: (key) => page.keyboard.down(key),
    keyUp: (key) => page.keyboard.up(key),
    screenshot: (path) => page.screenshot({ path }),
    close: () => page.close(),
  };
}

export function puppeteerPage(page: PpPage, label: string): GamePage {
  return {
    label,
    goto: (url) => page.goto(url),
    evaluate: (fn) => page.evaluate(fn),
    async click(name) {
      // A page that redraws its panel (a member joined) can replace the button between finding
      // and clicking it: find it again then, as playwright's locators do by themselves.
      for (let attempt = 1; ; attempt++) {
        const handle = await page.waitForSelector(`::-p-xpath(//button[normalize-space(.)='${name}'])`, { timeout: 10_000 });
        try {
          return await handle!.click();
        } catch (error) {
          if (attempt >= 5 || !/detached/i.test(String(error))) throw error;
        }
      }
    },
    keyDown: (key) => page.keyboard.down(key as never),
    keyUp: (key) => page.keyboard.up(key as never),
    screenshot: (path) => page.screenshot({ path }),
    close: () => page.close(),
  };
}

/** Where screenshots go: artifacts/ at the repository root (git-ignored). */
export function artifactPath(name: string): string {
  const out = join(repoRoot(), 'artifacts');
  mkdirSync(out, { recursive: true });
  return join(out, name);
}
