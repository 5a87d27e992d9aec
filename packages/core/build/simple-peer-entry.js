// simple-peer as an ES module of its own for the browser build (dist/browser/simple-peer.js): the
// core module imports it, so a game that never makes a connection (importing only types or
// errors, say) lets its bundler drop it (the package has no side effects).
export { default } from 'simple-peer';
