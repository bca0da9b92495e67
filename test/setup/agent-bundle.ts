// Forking the agent from its sources loads it through tsx: about 2 s of CPU a child, against
// 0.4 s for the bundle `npm run build` makes. The run bundles the current sources once, as the
// build does, and the tests' pools fork that (test/helpers/agent.ts). The development path, the
// sources through tsx, is still what the tests that start the server from its sources fork.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { ROOT } from '../../server/paths.ts';

export default async function setup(): Promise<void> {
  await promisify(execFile)(process.execPath, ['scripts/bundle-agent.mjs'], { cwd: ROOT });
}
