import pino, { type DestinationStream, type Logger } from 'pino';
import { REDACTED, redactShapes } from '../shared/redact.ts';

export type { Logger };

// Request and response headers are censored by path: pino applies these after the req/res
// serializers have turned the Node objects into plain ones.
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-csrf-token"]',
  'res.headers["set-cookie"]',
];

/**
 * Whether a property name can hold a secret (keys, tokens, secrets, passwords, cookies,
 * authorization headers), compared without case, `_` or `-`: `token`, `idToken`, `openai_key`,
 * `livekit_api_secret`, `apiKey`, `keys`, `password`, `Authorization`, `set-cookie`, … but not
 * `prompt_tokens` or `interviewId`.
 */
export function isSecretKey(name: string): boolean {
  const n = name.toLowerCase().replace(/[^a-z0-9]/g, '');
  return (
    n.includes('secret') ||
    n.includes('password') ||
    n.includes('passwd') ||
    n.includes('credential') ||
    n.endsWith('token') ||
    n.endsWith('key') ||
    n.endsWith('keys') ||
    n.endsWith('authorization') ||
    n.endsWith('cookie') ||
    n.endsWith('cookies') ||
    n === 'databaseurl' ||
    n === 'connectionstring'
  );
}

const MAX_DEPTH = 8;

/**
 * A copy of `value` with every secret-named property censored, at any depth (pino's redact
 * paths cannot say "anywhere"), and anything shaped like a token taken out of its text. Plain
 * objects, arrays and errors are walked; other objects (requests, responses, dates, buffers)
 * are left to their serializers. Nothing is copied when nothing needs censoring, so an ordinary
 * log line costs one walk over its own fields.
 */
export function redactSecrets<T>(value: T): T {
  return redact(value, 0, new Map()) as T;
}

function redact(value: unknown, depth: number, seen: Map<object, unknown>): unknown {
  if (typeof value === 'string') return redactShapes(value);
  if (typeof value !== 'object' || value === null) return value;
  const isError = value instanceof Error;
  if (!isError && !Array.isArray(value) && !isPlainObject(value)) return value;
  if (seen.has(value)) return seen.get(value) ?? '[Circular]';
  if (depth >= MAX_DEPTH) return REDACTED; // deeper than any log object should be: not worth the risk
  seen.set(value, undefined);

  let copy: unknown;
  if (Array.isArray(value)) {
    let changed: unknown[] | undefined;
    value.forEach((item, i) => {
      const next = redact(item, depth + 1, seen);
      if (next !== item) (changed ??= value.slice())[i] = next;
    });
    copy = changed ?? value;
  } else {
    // Errors keep their prototype (so the err serializer still names their type) and their own
    // non-enumerable message, stack and cause.
    const names = isError ? Object.getOwnPropertyNames(value) : Object.keys(value);
    let changed: Record<string, PropertyDescriptor> | undefined;
    for (const name of names) {
      const descriptor = Object.getOwnPropertyDescriptor(value, name);
      if (descriptor === undefined || !('value' in descriptor)) continue;
      const next = isSecretKey(name) && descriptor.value !== undefined ? REDACTED : redact(descriptor.value, depth + 1, seen);
      if (next !== descriptor.value) (changed ??= {})[name] = { ...descriptor, value: next };
    }
    if (changed === undefined) copy = value;
    else {
      copy = Object.create(Object.getPrototypeOf(value) as object | null, {
        ...Object.getOwnPropertyDescriptors(value),
        ...changed,
      });
    }
  }
  seen.set(value, copy);
  return copy;
}

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

export interface LoggerOptions {
  level: string;
  pretty?: boolean;
  destination?: DestinationStream;
}

export function createLogger({ level, pretty = false, destination }: LoggerOptions): Logger {
  const options = {
    level,
    redact: { paths: REDACT_PATHS, censor: REDACTED },
    // Every logged object, at any depth (child-logger bindings are not walked: bind ids, not secrets).
    formatters: { log: (object: Record<string, unknown>) => redactSecrets(object) },
  };
  if (destination) return pino(options, destination);
  if (pretty) return pino({ ...options, transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss' } } });
  return pino(options);
}
