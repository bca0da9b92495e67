// PostgreSQL's text and jsonb refuse two things JavaScript strings may hold: U+0000 (NUL) and
// unpaired UTF-16 surrogates (JSON.stringify writes them as \udXXX escapes, which jsonb rejects).
// Anything a user, a provider or a child process wrote goes through here before it is stored,
// so a stray character changes one character instead of failing the whole write.

const NUL = /\u0000/g;
// Without the u flag a regular expression sees UTF-16 code units, so it can find a lone half.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const HAS_LONE_SURROGATE = new RegExp(LONE_SURROGATE.source);
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

/** `text` as PostgreSQL can store it: NULs removed, lone surrogates replaced by U+FFFD. */
export function storableText(text: string): string {
  return text.replace(NUL, '').replace(LONE_SURROGATE, '\uFFFD');
}

/** Whether `text` holds a character PostgreSQL cannot store, or another control character (tabs and newlines aside). */
export function hasControlCharacters(text: string): boolean {
  return CONTROL.test(text) || HAS_LONE_SURROGATE.test(text);
}

/** A JSON-shaped value with every string in it (keys too) made storable. */
export function storableJson<T>(value: T): T {
  if (typeof value === 'string') return storableText(value) as T;
  if (Array.isArray(value)) return value.map(storableJson) as T;
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [storableText(k), storableJson(v)])) as T;
  }
  return value;
}
