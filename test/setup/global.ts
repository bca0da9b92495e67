// What the run prepares once, before any test file: the embedded-database template, the agent's
// bundle and the server's build, side by side (the bundle is esbuild's own process; the template,
// mostly WASM, and the build share this one).
import bundleAgent from './agent-bundle.ts';
import makeTemplate from './pglite-template.ts';
import buildForProduction from './production-build.ts';

export default async function setup(): Promise<() => Promise<void>> {
  const [removeTemplate] = await Promise.all([makeTemplate(), bundleAgent(), buildForProduction()]);
  return removeTemplate;
}
