// Writes the browser code's page bundles to dist/public/js for the compiled server (`npm run
// build`, after tsc): the same esbuild options the server uses in memory when run from its sources.
import { bundlePageScripts } from '../dist/server/web/page-scripts.js';

await bundlePageScripts({ write: true });
