import { spawn, type ChildProcess } from 'node:child_process';
import { ROOT } from '../../server/paths.ts';

export interface ServerProcess {
  child: ChildProcess;
  url: string;
  output(): string;
  exited: Promise<number | null>;
}

/**
 * Starts the server as its own process and waits for it to listen: `server/main.ts` through tsx
 * (as `npm start` does in development), or `dist/server/main.js` when `compiled` (after `npm run build`).
 */
export async function spawnServer(
  env: Record<string, string>,
  timeoutMs = 30_000,
  compiled = false,
  nodeArgs: string[] = [],
): Promise<ServerProcess> {
  return spawnNode([...nodeArgs, ...(compiled ? ['dist/server/main.js'] : ['--import', 'tsx', 'server/main.ts'])], env, timeoutMs);
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
  return { child, url, output: () => out, exited };
}
