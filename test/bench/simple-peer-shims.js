// What simple-peer and its readable-stream expect of Node, from their browser ports, for the
// benchmarks' simple-peer pages (esbuild injects this): free `Buffer` and `process` in the bundled
// code resolve to these, and pages that use neither get nothing of it.
export { Buffer } from 'buffer';
export { default as process } from 'process';
