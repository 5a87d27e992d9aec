// What simple-peer and its readable-stream expect of Node, from their browser ports, for the
// browser build (build.mjs injects this): free `Buffer` and `process` in the bundled code resolve
// to these. Nothing is written to globalThis; a game's own globals are left alone.
export { Buffer } from 'buffer';
export { default as process } from 'process';
