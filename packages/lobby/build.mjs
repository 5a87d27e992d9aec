// Builds @rallypoint/lobby into dist/ (scripts/build-package.mjs): for Node and bundlers, and the
// `browser` export with colyseus.js bundled in as a page needs it (colyseus-lite.mjs), our
// packages and msgpackr left as imports.
import { buildPackage } from '../../scripts/build-package.mjs';
import { colyseusLite } from './colyseus-lite.mjs';

await buildPackage(import.meta.dirname, { external: ['@rallypoint/core', '@rallypoint/protocol', 'msgpackr'], plugins: [colyseusLite()] });
