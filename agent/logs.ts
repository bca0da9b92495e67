// The SDK's logger writes to stdout. In the child, stdout carries nothing else, so its writes
// go to stderr instead, with every known secret (the keys from `start`, the LiveKit token)
// blanked out — provider errors logged by the SDK can quote what they were sent.

export function routeLogsToStderr(secrets: readonly (string | undefined)[]): void {
  const hidden = secrets.filter((s): s is string => typeof s === 'string' && s.length >= 8);
  const redact = (text: string) => hidden.reduce((out, secret) => out.split(secret).join('[redacted]'), text);
  const write = (chunk: unknown, encodingOrCallback?: unknown, callback?: unknown): boolean => {
    const text = typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) ? chunk.toString('utf8') : String(chunk);
    const done = typeof encodingOrCallback === 'function' ? encodingOrCallback : callback;
    return process.stderr.write(redact(text), done as ((error?: Error | null) => void) | undefined);
  };
  process.stdout.write = write as typeof process.stdout.write;
}
