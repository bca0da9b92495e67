// The SDK's logger writes to stdout. In the child, stdout carries nothing else, so its writes
// go to stderr instead, with every known secret (the keys from `start`, the LiveKit token)
// blanked out — provider errors logged by the SDK can quote what they were sent.

import { redactor } from '../shared/redact.ts';

export function routeLogsToStderr(secrets: readonly string[]): void {
  const redact = redactor(secrets);
  const write = (chunk: unknown, encodingOrCallback?: unknown, callback?: unknown): boolean => {
    const text = typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) ? chunk.toString('utf8') : String(chunk);
    const done = typeof encodingOrCallback === 'function' ? encodingOrCallback : callback;
    return process.stderr.write(redact(text), done as ((error?: Error | null) => void) | undefined);
  };
  process.stdout.write = write as typeof process.stdout.write;
}
