import { Writable } from 'node:stream';
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
