/**
 * A test or benchmark page, bundled as the demo is (esbuild, the `source` condition) into a folder
 * with an index.html, for the lobby server's `--static`.
 */
import { build } from 'esbuild';
import type { Page as PwPage } from 'playwright-core';
import type { Page as PpPage } from 'puppeteer-core';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { colyseusLite } from '../../packages/lobby/colyseus-lite.mjs';
import { repoRoot } from './repo.js';
import { deadline } from './wait.js';

/** `entry`: the page's script, relative to the repository root. Returns the folder. */
export async function buildTestPage(entry: string, name: string): Promise<string> {
  const root = repoRoot();
  const out = join(root, `node_modules/.cache/rallypoint/${name}-${process.pid}`);
  mkdirSync(out, { recursive: true });
  await build({
    entryPoints: [join(root, entry)],
    outfile: join(out, `${name}.js`),
    bundle: true,
    format: 'esm',
    platform: 'browser',
    conditions: ['source'],
    plugins: [colyseusLite()],
    logLevel: 'warning',
  });
  writeFileSync(join(out, 'index.html'), `<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><script type="module" src="/${name}.js"></script>`);
  return out;
}

/** A test page's API: the functions it puts on `window` under one name. */
type PageApi = Record<string, (...args: never[]) => unknown>;

/** One browser page with a test page loaded, driven through the API it put on `window`. */
export interface TestPage<Api extends PageApi> {
  readonly label: string;
  call<K extends keyof Api & string>(name: K, ...args: Parameters<Api[K]>): Promise<Awaited<ReturnType<Api[K]>>>;
  close(): Promise<void>;
}

/** A Chromium (playwright) or Firefox (puppeteer) page. */
export type AnyPage = Pick<PwPage, 'evaluate' | 'goto' | 'close'> | Pick<PpPage, 'evaluate' | 'goto' | 'close'>;

/** Loads `url` in `page` and waits for the page to put its API on `window[global]`. */
export async function openTestPage<Api extends PageApi>(page: AnyPage, url: string, label: string, global: string): Promise<TestPage<Api>> {
  await page.goto(url);
  const evaluate = page.evaluate.bind(page) as <R, A>(fn: (arg: A) => R, arg: A) => Promise<Awaited<R>>;
  await waitIn(() => evaluate((g) => typeof (window as unknown as Record<string, unknown>)[g] === 'object', global), `${label} loads the ${global} page`);
  return {
    label,
    call: (name, ...args) =>
      evaluate(
        ([g, n, a]) => ((window as unknown as Record<string, Record<string, (...xs: unknown[]) => unknown>>)[g]![n]!)(...(a as unknown[])),
        [global, name, args] as const,
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
