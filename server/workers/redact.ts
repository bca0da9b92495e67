// The parent logs what a child prints, and it knows the secrets it sent that child in `start`:
// those values are taken out of every line before it is logged, whatever the child printed
// (the child's own logger cleans only what it logs, and a library may write to stderr).

import type { StartMessage } from '../../agent/protocol.ts';

export const REDACTED = '[redacted]';

/** Takes secrets out of one line of a child's output. */
export type Redact = (line: string) => string;

const BEARER = /\b(Bearer\s+)[\w.~+/=-]{8,}/gi;
const JWT = /\beyJ[\w-]{8,}\.[\w-]{8,}\.[\w-]+/g;

/** The values of a `start` message that must never reach a log: the user's keys and the agent's LiveKit token. */
export function startSecrets(start: StartMessage): string[] {
  const { llmApiKey, deepgramKey, openaiTtsKey } = start.keys;
  return [llmApiKey, deepgramKey, openaiTtsKey, start.mode === 'voice' ? start.livekit.token : undefined].filter(
    (value): value is string => typeof value === 'string',
  );
}

/** Hides these exact values (also as JSON or URL encoding would print them) and anything shaped like a bearer token or a JWT. */
export function redactor(secrets: readonly string[]): Redact {
  const forms = new Set<string>();
  for (const secret of secrets) {
    // Too short to be a key, and would mangle every line.
    if (secret.length < 4) continue;
    forms.add(secret).add(JSON.stringify(secret).slice(1, -1)).add(encodeURIComponent(secret));
  }
  const exact = [...forms].sort((a, b) => b.length - a.length);
  return (line) => {
    let clean = line;
    for (const value of exact) clean = clean.replaceAll(value, REDACTED);
    return clean.replace(BEARER, `$1${REDACTED}`).replace(JWT, REDACTED);
  };
}

/** Before a child has been given any secret (a warm spare): shapes only. */
export const redactShapes: Redact = redactor([]);
