// The workers capability's entry: the capped pool of interview children, and how a child process is started.
export { agentDidNotStart, poolClosed, poolFull, WorkerPool, workerPoolOptions, type InterviewEnd, type LiveMessage } from './pool.ts';
export { childEnv, heapFlags } from './spawn.ts';
