// Forks one interview agent child: which file, which node flags, which environment.
// The child gets an allow-listed environment and no secrets: the user's keys reach it only in
// the `start` message over IPC, which is never logged here.

import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { redactShapes, type Redact } from '../../shared/redact.ts';
import type { Logger } from '../logger.ts';
import { COMPILED, ROOT } from '../paths.ts';
import type { ChildUser } from './child-user.ts';

/** The file to fork and the node flags it needs in order to load. */
export interface AgentEntry {
  path: string;
  execArgv: readonly string[];
}

export const AGENT_SOURCE = join(ROOT, 'agent', 'main.ts');
/** Made by `npm run build` (scripts/bundle-agent.mjs); one file starts about twice as fast as tsc's output. */
export const AGENT_BUNDLE = join(ROOT, 'dist', 'agent', 'main.bundle.mjs');

/** From sources the agent runs through tsx; compiled, the esbuild bundle runs as is. */
export function agentEntry(compiled: boolean = COMPILED): AgentEntry {
  if (!compiled) return { path: AGENT_SOURCE, execArgv: ['--import', 'tsx'] };
  if (!existsSync(AGENT_BUNDLE)) {
    throw new Error(`The interview agent bundle ${AGENT_BUNDLE} is missing: run "npm run build".`);
  }
  return { path: AGENT_BUNDLE, execArgv: [] };
}

const ALLOWED_ENV = new Set(['PATH', 'NODE_ENV', 'LANG', 'LANGUAGE', 'TZ', 'HOME', 'TMPDIR', 'AGENT_LOG_LEVEL']);

/**
 * The child's whole environment: what node and the system libraries need (path, locale, time
 * zone, home, temp dir) and the agent's own non-secret settings. Anything else, including every
 * server secret and NODE_OPTIONS, stays behind.
 */
export function childEnv(source: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(source)) {
    if (value !== undefined && (ALLOWED_ENV.has(name) || name.startsWith('LC_'))) env[name] = value;
  }
  return env;
}

/** V8 limits: the heap cap from config; a 1 MB semi-space trims ~15 MB of anonymous memory per child. */
export function heapFlags(heapMb: number): string[] {
  return [`--max-old-space-size=${heapMb}`, '--max-semi-space-size=1'];
}

export interface SpawnAgentOptions {
  entry: AgentEntry;
  heapMb: number;
  /** Receives the child's stdout (debug) and stderr (warn), line by line. */
  logger: Logger;
  /** Applied to every line before it is logged (default: bearer tokens and JWTs only). */
  redact?: Redact;
  /** The server's environment, filtered through the allow-list. */
  env: NodeJS.ProcessEnv;
  /** Another user to run as (the server is root); its groups are dropped too. */
  user?: ChildUser;
}

export interface SpawnedAgent {
  child: ChildProcess;
  /** Where its output goes from now on, cleaned how (a spare gets its interview's logger and secrets). */
  setOutput(logger: Logger, redact: Redact): void;
}

export function spawnAgent({ entry, heapMb, logger, env, user, redact = redactShapes }: SpawnAgentOptions): SpawnedAgent {
  let log = logger;
  let clean = redact;
  const child = fork(entry.path, [], {
    cwd: ROOT,
    env: childEnv(env),
    // Explicit, so the child never inherits the parent's flags (--inspect, a test runner's loaders).
    execArgv: [...entry.execArgv, ...heapFlags(heapMb)],
    serialization: 'advanced',
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    // libuv drops the supplementary groups as well when it switches.
    ...(user ? { uid: user.uid, gid: user.gid } : {}),
  });
  logLines(child.stdout, (line) => log.debug({ stream: 'stdout' }, shorten(clean(line))));
  logLines(child.stderr, (line) => log.warn({ stream: 'stderr' }, shorten(clean(line))));
  return {
    child,
    setOutput: (nextLogger, nextRedact) => {
      log = nextLogger;
      clean = nextRedact;
    },
  };
}

const MAX_LINE = 4000;

function logLines(stream: Readable | null, log: (line: string) => void): void {
  if (!stream) return;
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  lines.on('line', (line) => {
    if (line.trim()) log(line);
  });
}

/** Cut after redaction, so a secret at the cut is never left half shown. */
function shorten(line: string): string {
  return line.length > MAX_LINE ? `${line.slice(0, MAX_LINE)}…` : line;
}
