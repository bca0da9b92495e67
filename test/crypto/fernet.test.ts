import { spawnSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Fernet, InvalidFernetKey, InvalidFernetToken, MultiFernet, parseKeyList } from '../../server/crypto/fernet.ts';

// Vectors copied verbatim from github.com/fernet/spec (see fernet-spec/README.md).
interface Vector {
  token: string;
  now: string;
  secret: string;
  src?: string;
  iv?: number[];
  ttl_sec?: number;
  desc?: string;
}
const vectors = (name: string): Vector[] =>
  JSON.parse(readFileSync(new URL(`./fernet-spec/${name}.json`, import.meta.url), 'utf8')) as Vector[];
const seconds = (iso: string) => Date.parse(iso) / 1000;

const KEY = Fernet.generateKey();
const OTHER_KEY = Fernet.generateKey();
const now = () => Math.floor(Date.now() / 1000);

/** Flips one bit of the decoded token at `index` (negative counts from the end). */
function tamper(token: string, index: number): string {
  const bytes = Buffer.from(token, 'base64url');
  const at = index < 0 ? bytes.length + index : index;
  bytes[at] = bytes[at]! ^ 0x01;
  return bytes.toString('base64url');
}

/** Signs arbitrary bytes as a token under `key`, to reach the checks that sit behind the HMAC. */
function signWith(key: string, body: Buffer): string {
  const mac = createHmac('sha256', Buffer.from(key, 'base64url').subarray(0, 16)).update(body).digest();
  return Buffer.concat([body, mac]).toString('base64url');
}

function expectInvalidToken(fn: () => unknown, ...secrets: string[]) {
  let error: unknown;
  try {
    fn();
  } catch (err) {
    error = err;
  }
  expect(error).toBeInstanceOf(InvalidFernetToken);
  for (const secret of secrets) expect((error as Error).message).not.toContain(secret);
}

describe('Fernet spec vectors', () => {
  it.each(vectors('generate'))('generates $token', (v) => {
    const token = new Fernet(v.secret).encryptAt(v.src!, seconds(v.now), Uint8Array.from(v.iv!));
    expect(token).toBe(v.token);
  });

  it.each(vectors('verify'))('verifies $token', (v) => {
    const plaintext = new Fernet(v.secret).decryptAt(v.token, seconds(v.now), { ttlSeconds: v.ttl_sec });
    expect(plaintext.toString('utf8')).toBe(v.src);
  });

  it.each(vectors('invalid'))('rejects: $desc', (v) => {
    expectInvalidToken(() => new Fernet(v.secret).decryptAt(v.token, seconds(v.now), { ttlSeconds: v.ttl_sec }), v.token, v.secret);
  });
});

describe('Fernet', () => {
  it('round-trips strings and bytes into padded url-safe tokens', () => {
    const f = new Fernet(KEY);
    const token = f.encrypt('sk-live ✓ secret');
    expect(token).toMatch(/^gAAAAA[A-Za-z0-9_-]+=*$/);
    expect(token.length % 4).toBe(0);
    expect(f.decrypt(token).toString('utf8')).toBe('sk-live ✓ secret');
    const bytes = Uint8Array.from([0, 255, 1, 2, 3]);
    expect(f.decrypt(f.encrypt(bytes))).toEqual(Buffer.from(bytes));
    expect(f.decrypt(f.encrypt('')).length).toBe(0);
    expect(f.encrypt('same')).not.toBe(f.encrypt('same')); // fresh IV each time
  });

  it('accepts tokens without base64 padding', () => {
    const f = new Fernet(KEY);
    const token = f.encrypt('hello');
    expect(token).toMatch(/=$/);
    expect(f.decrypt(token.replace(/=+$/, '')).toString()).toBe('hello');
  });

  it('generates 32-byte keys in Python format, each different', () => {
    expect(KEY).toMatch(/^[A-Za-z0-9_-]{43}=$/);
    expect(Buffer.from(KEY, 'base64url').length).toBe(32);
    expect(KEY).not.toBe(OTHER_KEY);
  });

  it.each([
    ['too short', Buffer.alloc(16).toString('base64url')],
    ['too long', Buffer.alloc(48).toString('base64url')],
    ['empty', ''],
    ['standard base64 alphabet', '+/' + KEY.slice(2)],
    ['not base64', 'not a key!'.repeat(5)],
    ['wrong padding', KEY.slice(0, 43) + '=='],
    ['not a string', 42 as unknown as string],
  ])('rejects an invalid key (%s) without echoing it', (_, key) => {
    expect(() => new Fernet(key)).toThrow(InvalidFernetKey);
    try {
      new Fernet(key);
    } catch (err) {
      if (key !== '') expect((err as Error).message).not.toContain(String(key));
    }
  });

  it('rejects tampered tokens: version, timestamp, IV, ciphertext, HMAC', () => {
    const f = new Fernet(KEY);
    const token = f.encrypt('attack at dawn');
    for (const index of [0, 5, 12, 30, -1, -20]) expectInvalidToken(() => f.decrypt(tamper(token, index)), token, KEY);
  });

  it('rejects correctly signed tokens with a wrong version or a malformed body', () => {
    const f = new Fernet(KEY);
    const body = Buffer.from(f.encrypt('hello'), 'base64url').subarray(0, -32);
    expect(f.decrypt(signWith(KEY, body)).toString()).toBe('hello'); // the helper signs as Fernet does
    const wrongVersion = Buffer.from(body);
    wrongVersion[0] = 0x81;
    expectInvalidToken(() => f.decrypt(signWith(KEY, wrongVersion)));
    for (const length of [0, 1, 8, 9, 25, 40]) expectInvalidToken(() => f.decrypt(signWith(KEY, body.subarray(0, length))));
  });

  it('rejects truncated and garbage tokens', () => {
    const f = new Fernet(KEY);
    const token = f.encrypt('attack at dawn');
    const bytes = Buffer.from(token, 'base64url');
    for (const cut of [1, 16, 32, 48, bytes.length - 1]) {
      expectInvalidToken(() => f.decrypt(bytes.subarray(0, bytes.length - cut).toString('base64url')), token);
    }
    for (const bad of ['', '=', 'g', token + 'A', token.slice(0, 10) + '!' + token.slice(11), ' ' + token]) {
      expectInvalidToken(() => f.decrypt(bad), token);
    }
    expectInvalidToken(() => f.decrypt(null as unknown as string));
  });

  it('rejects a token made with another key', () => {
    const token = new Fernet(OTHER_KEY).encrypt('hello');
    expectInvalidToken(() => new Fernet(KEY).decrypt(token), token, KEY, OTHER_KEY);
  });

  it('enforces ttl only when one is given', () => {
    const f = new Fernet(KEY);
    const t = now();
    const token = f.encryptAt('hello', t - 100, Buffer.alloc(16, 7));
    expect(f.decrypt(token).toString()).toBe('hello'); // no ttl: age does not matter
    expect(f.decryptAt(token, t, { ttlSeconds: 100 }).toString()).toBe('hello'); // exactly at the limit
    expectInvalidToken(() => f.decryptAt(token, t, { ttlSeconds: 99 }));
    expectInvalidToken(() => f.decrypt(token, { ttlSeconds: 99 }));
    expect(f.decrypt(f.encrypt('fresh'), { ttlSeconds: 0 }).toString()).toBe('fresh');
    expect(() => f.decrypt(token, { ttlSeconds: Number.NaN })).toThrow(RangeError);
  });

  it('opens a future-dated token without ttl, and applies the 60 s clock-skew limit only with ttl', () => {
    const f = new Fernet(KEY);
    const t = now();
    const future = (seconds: number) => f.encryptAt('hello', t + seconds, Buffer.alloc(16, 3));

    // Without ttl (how the vault opens saved keys) the timestamp is not checked, as in Python:
    // a server clock that moved back must not make saved keys unreadable.
    expect(f.decryptAt(future(61), t).toString()).toBe('hello');
    expect(f.decrypt(future(86_400)).toString()).toBe('hello');
    expect(new MultiFernet([OTHER_KEY, KEY]).decrypt(future(86_400)).toString()).toBe('hello');

    // With ttl, up to 60 s ahead is tolerated and more is rejected.
    expect(f.decryptAt(future(60), t, { ttlSeconds: 1000 }).toString()).toBe('hello');
    expectInvalidToken(() => f.decryptAt(future(61), t, { ttlSeconds: 1000 }));
    expectInvalidToken(() => f.decrypt(future(600), { ttlSeconds: 1000 }));
  });
});

describe('MultiFernet', () => {
  const NEW_KEY = Fernet.generateKey();
  const OLD_KEY = Fernet.generateKey();

  it('decrypts tokens of any listed key and encrypts with the first', () => {
    const multi = new MultiFernet([NEW_KEY, OLD_KEY]);
    expect(multi.decrypt(new Fernet(OLD_KEY).encrypt('old')).toString()).toBe('old');
    expect(multi.decrypt(new Fernet(NEW_KEY).encrypt('new')).toString()).toBe('new');

    const token = multi.encrypt('mine');
    expect(new Fernet(NEW_KEY).decrypt(token).toString()).toBe('mine');
    expectInvalidToken(() => new Fernet(OLD_KEY).decrypt(token));
    expectInvalidToken(() => multi.decrypt(new Fernet(KEY).encrypt('stranger')));
  });

  it('rotates an old-key token to the first key, keeping its timestamp', () => {
    const old = new Fernet(OLD_KEY).encryptAt('rotate me', now() - 1000, Buffer.alloc(16, 1));
    const rotated = new MultiFernet([NEW_KEY, OLD_KEY]).rotate(old);
    expect(rotated).not.toBe(old);
    expect(new Fernet(NEW_KEY).decrypt(rotated).toString()).toBe('rotate me');
    expectInvalidToken(() => new Fernet(OLD_KEY).decrypt(rotated));
    expect(Buffer.from(rotated, 'base64url').readBigUInt64BE(1)).toBe(Buffer.from(old, 'base64url').readBigUInt64BE(1));
    expectInvalidToken(() => new MultiFernet([NEW_KEY]).rotate(old));
  });

  it('rejects an empty or invalid key list', () => {
    expect(() => new MultiFernet([])).toThrow(InvalidFernetKey);
    expect(() => new MultiFernet([NEW_KEY, 'nope'])).toThrow(InvalidFernetKey);
  });
});

describe('parseKeyList', () => {
  it('splits on commas, trims, and drops empty entries', () => {
    expect(parseKeyList(` ${KEY} ,, ${OTHER_KEY},\n`)).toEqual([KEY, OTHER_KEY]);
    expect(parseKeyList(KEY)).toEqual([KEY]);
    expect(parseKeyList(' , ')).toEqual([]);
  });
});

const probe = spawnSync('python3', ['-c', 'import cryptography.fernet'], { encoding: 'utf8' });
const pythonSkipReason = probe.error
  ? `python3 is not available (${probe.error.message})`
  : probe.status !== 0
    ? 'the Python "cryptography" module is not installed'
    : undefined;
if (pythonSkipReason) console.warn(`Skipping the Python Fernet interop test: ${pythonSkipReason}`);

function python(script: string, input = ''): string {
  const run = spawnSync('python3', ['-c', script], { input, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`python3 failed: ${run.stderr}`);
  return run.stdout;
}

describe('interop with Python cryptography.fernet', () => {
  it.skipIf(pythonSkipReason !== undefined)('exchanges tokens both ways', () => {
    const message = 'interview ✓ 🎙️';
    const fromPython = JSON.parse(
      python(
        `import json, sys
from cryptography.fernet import Fernet
key = Fernet.generate_key()
print(json.dumps({"key": key.decode(), "token": Fernet(key).encrypt(sys.stdin.read().encode()).decode()}))`,
        message,
      ),
    ) as { key: string; token: string };
    expect(new Fernet(fromPython.key).decrypt(fromPython.token, { ttlSeconds: 60 }).toString('utf8')).toBe(message);

    // Python decrypts ours, made with its key and with a key from our generateKey.
    const ourKey = Fernet.generateKey();
    const ours = [fromPython.key, ourKey].map((key) => ({ key, token: new Fernet(key).encrypt(message) }));
    const decrypted = JSON.parse(
      python(
        `import json, sys
from cryptography.fernet import Fernet
print(json.dumps([Fernet(t["key"]).decrypt(t["token"], ttl=60).decode() for t in json.load(sys.stdin)]))`,
        JSON.stringify(ours),
      ),
    ) as string[];
    expect(decrypted).toEqual([message, message]);
  });

  it.skipIf(pythonSkipReason !== undefined)('agrees with Python on future-dated tokens with and without ttl', () => {
    const key = Fernet.generateKey();
    const t = now();
    const tokens = [300, 3600, 86_400].map((ahead) => new Fernet(key).encryptAt('later', t + ahead, Buffer.alloc(16, 9)));
    const pythonSays = JSON.parse(
      python(
        `import json, sys
from cryptography.fernet import Fernet, InvalidToken
d = json.load(sys.stdin)
f = Fernet(d["key"])
def attempt(token, **kw):
    try:
        return f.decrypt(token, **kw).decode()
    except InvalidToken:
        return None
print(json.dumps({"plain": [attempt(t) for t in d["tokens"]], "ttl": [attempt(t, ttl=1000) for t in d["tokens"]]}))`,
        JSON.stringify({ key, tokens }),
      ),
    ) as { plain: (string | null)[]; ttl: (string | null)[] };
    const ours = (opts?: { ttlSeconds: number }) =>
      tokens.map((token) => {
        try {
          return new Fernet(key).decrypt(token, opts).toString();
        } catch (err) {
          if (err instanceof InvalidFernetToken) return null;
          throw err;
        }
      });
    expect(pythonSays).toEqual({ plain: ['later', 'later', 'later'], ttl: [null, null, null] });
    expect({ plain: ours(), ttl: ours({ ttlSeconds: 1000 }) }).toEqual(pythonSays);
  });
});
