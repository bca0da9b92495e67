// The workers capability's entry: the capped pool of interview children, and how a child process is started.
export { agentDidNotStart, COULD_NOT_START, NOT_READY_IN_TIME, poolClosed, poolFull } from './errors.ts';
export { WorkerPool, workerPoolOptions, type InterviewEnd, type LiveMessage } from './pool.ts';
export { childEnv, heapFlags } from './spawn.ts';
