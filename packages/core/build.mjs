// Builds @rallypoint/core into dist/ (scripts/build-package.mjs): for Node and bundlers, and the
// `browser` export for the browser's own WebRTC, with msgpackr and msgpack-guard left as imports
// (they run in browsers as they are). Nothing of Node's is needed in a page.
import { buildPackage } from '../../scripts/build-package.mjs';

await buildPackage(import.meta.dirname, { external: ['msgpackr', '@rallypoint/msgpack-guard'] });
