import { agentEntry, type AgentEntry } from '../../server/workers/spawn.ts';

/** The production bundle of the agent, made from the current sources at the start of the run (test/setup/agent-bundle.ts). */
export function bundledAgent(): AgentEntry {
  return agentEntry(true);
}
