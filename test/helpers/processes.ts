import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { ROOT } from '../../server/paths.ts';
import { TEST_ENCRYPTION_KEY, TEST_SECRET_KEY } from './app.ts';

export interface ServerProcess {
  child: ChildProcess;
  url: string;
  output(): string;
  exited: Promise<number | null>;
}

/**
 * Starts the server as its own process and waits for it to listen: `server/main.ts` through tsx
 * (as `npm start` does in development), or `dist/server/main.js` when `compiled` (the production
 * build, which the run makes: test/setup/production-build.ts). The build starts with less CPU,
 * and forks the agent's bundle instead of its sources through tsx (0.6 s against 2.7 s a child).
 */
export async function spawnServer(
  env: Record<string, string>,
  timeoutMs = 30_000,
  compiled = false,
  nodeArgs: string[] = [],
): Promise<ServerProcess> {
  return spawnNode([...nodeArgs, ...(compiled ? ['dist/server/main.js'] : ['--import', 'tsx', 'server/main.ts'])], env, timeoutMs);
}

/**
 * A server process of a fleet on the PostgreSQL database at `url`, from the production build the
 * run made (test/setup/production-build.ts): development mode, no spare child, 2-second leases so a
 * killed process's work is swept quickly, and `extra` settings.
 */
export function spawnOnPostgres(url: string, extra: Record<string, string> = {}): Promise<ServerProcess> {
  return spawnServer(
    {
      NODE_ENV: 'development',
      DATABASE_URL: url,
      ENCRYPTION_KEY: TEST_ENCRYPTION_KEY,
      SECRET_KEY: TEST_SECRET_KEY,
      AGENT_WARM_SPARE: 'false',
      INSTANCE_LEASE_SECONDS: '2',
      ...extra,
    },
    90_000,
    true,
  );
}

/** Starts the server exactly as `npm start` does: `node scripts/start.mjs`. */
export function spawnStartScript(env: Record<string, string>, timeoutMs = 30_000): Promise<ServerProcess> {
  return spawnNode(['scripts/start.mjs'], env, timeoutMs);
}

async function spawnNode(args: string[], env: Record<string, string>, timeoutMs: number): Promise<ServerProcess> {
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', PORT: '0', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL'); // no orphan server when it never listens
      reject(new Error(`server did not start:\n${out}`));
    }, timeoutMs);
    const check = () => {
      const match = /listening on (http:\/\/[^"\s]+)/.exec(out);
      if (match) {
        clearTimeout(timer);
        child.stdout!.off('data', check);
        resolve(match[1]!);
      }
    };
    child.stdout!.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${out}`));
    });
  });
  // A server that dies by itself mid-test shows only as a refused connection there: say why.
  void exited.then((code) => {
    if (code !== 0 && code !== null) process.stderr.write(`A server process (${args.join(' ')}) exited with ${code} on its own; its output:\n${out.slice(-8000)}\n`);
  });
  return { child, url, output: () => out, exited };
}

/** The processes whose parent is `pid` right now, with their command lines (Linux /proc). */
export function childProcesses(pid: number): { pid: number; command: string }[] {
  const children: { pid: number; command: string }[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readProc(`/proc/${entry}/stat`);
    // "pid (comm) state ppid …": comm may hold spaces and parentheses, so read after the last ')'.
    const ppid = stat ? Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) : NaN;
    if (ppid === pid) children.push({ pid: Number(entry), command: (readProc(`/proc/${entry}/cmdline`) ?? '').split('\0').join(' ').trim() });
  }
  return children;
}

/** False once the process has exited (a zombie waiting to be reaped counts as gone). */
export function isRunning(pid: number): boolean {
  const stat = readProc(`/proc/${pid}/stat`);
  return stat !== undefined && stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
}

function readProc(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

export interface ProcessMemory {
  /** Anonymous memory (heap, stacks, JIT code): what the process itself costs. */
  anonMb: number;
  rssMb: number;
  /** Proportional set size: shared pages split between the processes sharing them. */
  pssMb: number;
}

/** A process's memory from /proc/<pid>/smaps_rollup, in MB to one decimal (zeros once it is gone). */
export function processMemory(pid: number): ProcessMemory {
  const rollup = readProc(`/proc/${pid}/smaps_rollup`) ?? '';
  const mb = (field: string) => Math.round(Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(rollup)?.[1] ?? 0) / 102.4) / 10;
  return { anonMb: mb('Anonymous'), rssMb: mb('Rss'), pssMb: mb('Pss') };
}

/** When the process started, in clock ticks since boot (/proc/<pid>/stat field 22). */
export function processStartTicks(pid: number): number {
  const stat = readProc(`/proc/${pid}/stat`) ?? '';
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
}

/** CPU time the process has used so far, in clock ticks (user + system). */
export function processCpuTicks(pid: number): number {
  const fields = (readProc(`/proc/${pid}/stat`) ?? '').split(') ').at(-1)?.split(' ') ?? [];
  return Number(fields[11] ?? 0) + Number(fields[12] ?? 0);
}
