// What the run prepares once, before any test file: the embedded-database template and the
// agent's bundle, side by side (one is mostly WASM on this process, the other esbuild's own threads).
import bundleAgent from './agent-bundle.ts';
import makeTemplate from './pglite-template.ts';

export default async function setup(): Promise<() => Promise<void>> {
  const [removeTemplate] = await Promise.all([makeTemplate(), bundleAgent()]);
  return removeTemplate;
}
