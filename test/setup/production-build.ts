// dist/ as `npm run build`'s tsc step writes it, from the current sources, once per run: the
// tests that start the production build (hostile input, deploys, shutdown) run it. The agent's
// bundle beside it is test/setup/agent-bundle.ts's.
import { compileForProduction } from '../helpers/build.ts';

export default async function setup(): Promise<void> {
  compileForProduction();
}
