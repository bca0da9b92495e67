// The one redaction, for the server and the interview child alike: what a secret is replaced
// with, how long a value must be to be hunted for, the exact values we know (the keys we were
// given), and the shapes any key-like token has whether we know it or not.

export const REDACTED = '[redacted]';

/**
 * Values shorter than this are not hunted for: they are not keys, and replacing every "abc"
 * or "secret" would mangle the text. Also the shortest token a bearer header is taken to carry.
 */
export const MIN_SECRET_LENGTH = 8;

/** Takes secrets out of one piece of text (a log line, a message for the user). */
export type Redact = (text: string) => string;

const BEARER = new RegExp(`\\b(Bearer\\s+)[\\w.~+/=-]{${MIN_SECRET_LENGTH},}`, 'gi');
const JWT = /\beyJ[\w-]{8,}\.[\w-]{8,}\.[\w-]+/g;

/** Hides these exact values (also as JSON or URL encoding would print them) and anything shaped like a bearer token or a JWT. */
export function redactor(secrets: readonly (string | undefined)[]): Redact {
  const forms = new Set<string>();
  for (const secret of secrets) {
    if (secret === undefined || secret.length < MIN_SECRET_LENGTH) continue;
    forms.add(secret).add(JSON.stringify(secret).slice(1, -1)).add(encodeURIComponent(secret));
  }
  const exact = [...forms].sort((a, b) => b.length - a.length);
  return (text) => {
    let clean = text;
    for (const value of exact) clean = clean.replaceAll(value, REDACTED);
    return clean.replace(BEARER, `$1${REDACTED}`).replace(JWT, REDACTED);
  };
}

/** When no secret is known (a warm spare, a server log line): shapes only. */
export const redactShapes: Redact = redactor([]);
