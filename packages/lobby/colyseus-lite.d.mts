import type { Plugin } from 'esbuild';

/** colyseus.js for a page, lighter: see colyseus-lite.mjs. */
export function colyseusLite(): Plugin;
