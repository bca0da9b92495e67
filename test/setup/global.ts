// What the run prepares once, before any test file: the embedded-database template, the agent's
// bundle and the server's build, side by side (the first is mostly WASM on this process, the
// others run in processes of their own).
import bundleAgent from './agent-bundle.ts';
import makeTemplate from './pglite-template.ts';
import buildServer from './server-build.ts';

export default async function setup(): Promise<() => Promise<void>> {
  const [removeTemplate] = await Promise.all([makeTemplate(), bundleAgent(), buildServer()]);
  return removeTemplate;
}
