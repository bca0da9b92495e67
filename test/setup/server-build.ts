// The production build of the server (`tsc -p tsconfig.build.json`, the first step of
// `npm run build`), made once per run from the current sources: the tests that start the server
// as Render does (the hostile inputs, the fleet and its deploys) run dist/, whose children fork
// the agent's bundle (test/setup/agent-bundle.ts), and start in a fraction of the CPU that tsx takes.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ROOT } from '../../server/paths.ts';

export default async function setup(): Promise<void> {
  await promisify(execFile)(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: ROOT });
}
