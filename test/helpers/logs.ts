import { Writable } from 'node:stream';
import { inspect } from 'node:util';
import { createLogger, type Logger } from '../../server/logger.ts';

/** A real pino logger whose every line is kept, so tests can read what the server logged. */
export function captureLogs(level = 'debug'): { logger: Logger; lines: string[]; text(): string } {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { logger: createLogger({ level, destination }), lines, text: () => lines.join('') };
}

const CONSOLE_METHODS = ['log', 'info', 'warn', 'error', 'debug', 'trace', 'dir'] as const;

/**
 * Records everything printed in this process until `restore()`: console.* (which vitest routes
 * around process.stdout) and direct writes to process.stdout / process.stderr. What SDKs print
 * goes here, not to the server's logger. Output still reaches the terminal.
 */
export function captureOutput(): { text(): string; restore(): void } {
  const chunks: string[] = [];
  const restores: (() => void)[] = [];
  for (const stream of [process.stdout, process.stderr]) {
    const original = stream.write;
    stream.write = function (this: NodeJS.WriteStream, chunk: unknown, ...rest: unknown[]) {
      chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString());
      return (original as (...args: unknown[]) => boolean).call(this, chunk, ...rest);
    } as typeof stream.write;
    restores.push(() => (stream.write = original));
  }
  for (const method of CONSOLE_METHODS) {
    const original = console[method];
    console[method] = (...args: unknown[]) => {
      chunks.push(args.map((a) => (typeof a === 'string' ? a : inspect(a, { depth: 10 }))).join(' '));
      (original as (...args: unknown[]) => void).apply(console, args);
    };
    restores.push(() => (console[method] = original));
  }
  return {
    text: () => chunks.join('\n'),
    restore: () => restores.splice(0).reverse().forEach((undo) => undo()),
  };
}
