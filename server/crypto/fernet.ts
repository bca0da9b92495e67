import { createCipheriv, createDecipheriv, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

// Fernet (https://github.com/fernet/spec), byte-compatible with Python's cryptography.fernet:
// token = base64url(0x80 | timestamp u64 BE | IV 16 | AES-128-CBC ciphertext | HMAC-SHA256 32)

const VERSION = 0x80;
const HEADER_BYTES = 1 + 8 + 16;
const BLOCK_BYTES = 16;
const HMAC_BYTES = 32;
const MAX_CLOCK_SKEW_SECONDS = 60; // as in cryptography.fernet

export class InvalidFernetKey extends Error {
  override name = 'InvalidFernetKey';
}

export class InvalidFernetToken extends Error {
  override name = 'InvalidFernetToken';
}

export interface DecryptOptions {
  /**
   * Reject tokens older than this many seconds, or stamped more than 60 s in the future.
   * Without it the token's timestamp is not checked (as in Python's cryptography.fernet).
   */
  ttlSeconds?: number;
}

interface KeyPair {
  signing: Buffer;
  encryption: Buffer;
}

export class Fernet {
  readonly #key: KeyPair;

  constructor(key: string) {
    this.#key = parseKey(key);
  }

  /** A new random key, in the same format as Python's `Fernet.generate_key()`. */
  static generateKey(): string {
    return encodeBase64Url(randomBytes(32));
  }

  encrypt(data: string | Uint8Array): string {
    return seal(this.#key, data, nowSeconds(), randomBytes(16));
  }

  /** `encrypt` with a fixed clock and IV (spec test vectors); never reuse an IV. */
  encryptAt(data: string | Uint8Array, timestamp: number, iv: Uint8Array): string {
    return seal(this.#key, data, timestamp, iv);
  }

  decrypt(token: string, opts?: DecryptOptions): Buffer {
    return open([this.#key], token, nowSeconds(), opts?.ttlSeconds).plaintext;
  }

  /** `decrypt` as if the clock read `now` (spec test vectors). */
  decryptAt(token: string, now: number, opts?: DecryptOptions): Buffer {
    return open([this.#key], token, now, opts?.ttlSeconds).plaintext;
  }
}

/** Encrypts with the first key and decrypts with any of them, for key rotation. */
export class MultiFernet {
  readonly #keys: KeyPair[];

  constructor(keys: string[]) {
    if (!Array.isArray(keys) || keys.length === 0) throw new InvalidFernetKey('MultiFernet needs at least one key');
    this.#keys = keys.map(parseKey);
  }

  encrypt(data: string | Uint8Array): string {
    return seal(this.#keys[0]!, data, nowSeconds(), randomBytes(16));
  }

  decrypt(token: string, opts?: DecryptOptions): Buffer {
    return open(this.#keys, token, nowSeconds(), opts?.ttlSeconds).plaintext;
  }

  /** Re-encrypts under the first key, keeping the original timestamp (as Python does, so TTLs still apply). */
  rotate(token: string): string {
    const { plaintext, timestamp } = open(this.#keys, token, nowSeconds(), undefined);
    return seal(this.#keys[0]!, plaintext, timestamp, randomBytes(16));
  }
}

/** Splits a comma-separated ENCRYPTION_KEY (newest key first) into its keys. */
export function parseKeyList(value: string): string[] {
  return value
    .split(',')
    .map((k) => k.trim())
    .filter((k) => k !== '');
}

function parseKey(key: string): KeyPair {
  const raw = typeof key === 'string' ? decodeBase64Url(key) : undefined;
  if (raw?.length !== 32) {
    throw new InvalidFernetKey('Fernet key must be 32 bytes of url-safe base64 (44 characters ending in "=")');
  }
  return { signing: raw.subarray(0, 16), encryption: raw.subarray(16) };
}

function seal(key: KeyPair, data: string | Uint8Array, timestamp: number, iv: Uint8Array): string {
  if (iv.length !== 16) throw new RangeError('Fernet IV must be 16 bytes');
  const header = Buffer.alloc(9);
  header[0] = VERSION;
  header.writeBigUInt64BE(BigInt(Math.floor(timestamp)), 1);
  const cipher = createCipheriv('aes-128-cbc', key.encryption, iv);
  const plaintext = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const signed = Buffer.concat([header, iv, cipher.update(plaintext), cipher.final()]);
  return encodeBase64Url(Buffer.concat([signed, hmac(key, signed)]));
}

function open(
  keys: KeyPair[],
  token: string,
  now: number,
  ttlSeconds: number | undefined,
): { plaintext: Buffer; timestamp: number } {
  if (ttlSeconds !== undefined && !(Number.isFinite(ttlSeconds) && ttlSeconds >= 0)) {
    throw new RangeError('ttlSeconds must be a non-negative number');
  }
  const data = typeof token === 'string' ? decodeBase64Url(token) : undefined;
  if (data === undefined) throw new InvalidFernetToken('Fernet token is not valid url-safe base64');
  if (data.length > 0 && data[0] !== VERSION) throw new InvalidFernetToken('Fernet token has an unknown version');
  const cipherBytes = data.length - HEADER_BYTES - HMAC_BYTES;
  if (cipherBytes < BLOCK_BYTES || cipherBytes % BLOCK_BYTES !== 0) {
    throw new InvalidFernetToken('Fernet token is truncated or malformed');
  }

  const signed = data.subarray(0, data.length - HMAC_BYTES);
  const mac = data.subarray(data.length - HMAC_BYTES);
  const key = keys.find((k) => timingSafeEqual(hmac(k, signed), mac));
  if (key === undefined) throw new InvalidFernetToken('Fernet token signature does not match (wrong key or tampered token)');

  const timestamp = Number(data.readBigUInt64BE(1));
  // As in cryptography.fernet, time is checked only when a TTL is asked for: without one, a
  // token opens whatever its timestamp, so a server clock moving back cannot lock out stored keys.
  if (ttlSeconds !== undefined) {
    if (timestamp + ttlSeconds < now) throw new InvalidFernetToken('Fernet token has expired');
    if (timestamp > now + MAX_CLOCK_SKEW_SECONDS) throw new InvalidFernetToken('Fernet token timestamp is in the future');
  }

  try {
    const decipher = createDecipheriv('aes-128-cbc', key.encryption, data.subarray(9, HEADER_BYTES));
    const plaintext = Buffer.concat([decipher.update(signed.subarray(HEADER_BYTES)), decipher.final()]);
    return { plaintext, timestamp };
  } catch {
    // Reached only after the HMAC matched, so a padding failure here is no padding oracle.
    throw new InvalidFernetToken('Fernet token could not be decrypted');
  }
}

function hmac(key: KeyPair, data: Buffer): Buffer {
  return createHmac('sha256', key.signing).update(data).digest();
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

function encodeBase64Url(data: Buffer): string {
  return data.toString('base64').replace(/\+/g, '-').replace(/\//g, '_');
}

/** Strict url-safe base64 with optional (but then correct) padding; undefined if invalid. */
function decodeBase64Url(text: string): Buffer | undefined {
  const match = /^([A-Za-z0-9_-]*)(={0,2})$/.exec(text);
  if (match === null) return undefined;
  const body = match[1]!;
  const padding = match[2]!.length;
  const rest = body.length % 4;
  if (rest === 1 || (padding > 0 && (rest + padding) % 4 !== 0)) return undefined;
  return Buffer.from(body, 'base64url');
}
