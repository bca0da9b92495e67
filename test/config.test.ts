import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../server/config.ts';

const FERNET_KEY = 'cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4=';
const SECRET = 'x'.repeat(40);

function problemsOf(env: Record<string, string>): string[] {
  try {
    parseConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('production configuration', () => {
  const complete = {
    NODE_ENV: 'production',
    DATABASE_URL: 'postgres://u:p@db.example:5432/app',
    ENCRYPTION_KEY: FERNET_KEY,
    SECRET_KEY: SECRET,
    GOOGLE_CLIENT_ID: 'client-id',
    GOOGLE_CLIENT_SECRET: 'client-secret',
  };

  it('accepts a complete environment', () => {
    const config = parseConfig(complete);
    expect(config.isProduction).toBe(true);
    expect(config.encryptionKeys).toEqual([FERNET_KEY]);
    expect(config.google?.clientId).toBe('client-id');
    expect(config.workers.max).toBe(3);
  });

  it('names every missing variable in one message, with the expected format', () => {
    const problems = problemsOf({ NODE_ENV: 'production' });
    for (const name of ['DATABASE_URL', 'ENCRYPTION_KEY', 'SECRET_KEY', 'GOOGLE_CLIENT_ID', 'GOOGLE_CLIENT_SECRET']) {
      expect(problems.some((p) => p.startsWith(`${name} is missing`)), name).toBe(true);
    }
    expect(problems.find((p) => p.startsWith('ENCRYPTION_KEY'))).toMatch(/Fernet/);
    expect(() => parseConfig({ NODE_ENV: 'production' })).toThrow(/DATABASE_URL[\s\S]*GOOGLE_CLIENT_SECRET/);
  });

  it('names each one that is missing on its own', () => {
    for (const name of Object.keys(complete).filter((k) => k !== 'NODE_ENV')) {
      const env: Record<string, string> = { ...complete };
      delete env[name];
      expect(problemsOf(env)).toEqual([expect.stringMatching(new RegExp(`^${name} is missing`))]);
    }
  });

  it('reports malformed values without printing them', () => {
    const env = {
      ...complete,
      DATABASE_URL: 'mysql://secret-db-password@host/db',
      ENCRYPTION_KEY: 'not-a-fernet-key-SECRETVALUE',
      SECRET_KEY: 'short-SECRETVALUE',
      MAX_CONCURRENT_WORKERS: 'lots',
    };
    let message = '';
    try {
      parseConfig(env);
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/DATABASE_URL/);
    expect(message).toMatch(/MAX_CONCURRENT_WORKERS/);
    expect(message).not.toContain('secret-db-password');
    // Zod stops at the first schema failure; the key checks come with a valid schema.
    const keyProblems = problemsOf({ ...complete, ENCRYPTION_KEY: 'not-a-fernet-key-SECRETVALUE', SECRET_KEY: 'short-SECRETVALUE' });
    expect(keyProblems.join('\n')).toMatch(/ENCRYPTION_KEY is malformed[\s\S]*SECRET_KEY is too short/);
    expect(keyProblems.join('\n')).not.toContain('SECRETVALUE');
  });
});

describe('embedded configuration', () => {
  it('uses generated secrets when none are set, and PGlite when there is no DATABASE_URL', () => {
    const generated = { encryptionKey: FERNET_KEY, secretKey: SECRET };
    let asked = '';
    const config = parseConfig({ DATA_DIR: '/tmp/somewhere' }, (dir) => {
      asked = dir;
      return generated;
    });
    expect(asked).toBe('/tmp/somewhere');
    expect(config.database.url).toBeUndefined();
    expect(config.encryptionKeys).toEqual([FERNET_KEY]);
    expect(config.secretKey).toBe(SECRET);
    expect(config.port).toBe(3000);
    expect(config.google).toBeUndefined();
  });

  it('takes several comma-separated encryption keys, the first one first', () => {
    const other = 'YTFSTnhzZ1BmZ3JCMzBtbHFNY1FzMjdUcW5vWjVmS2g=';
    const config = parseConfig({ ENCRYPTION_KEY: ` ${FERNET_KEY} , ${other} `, SECRET_KEY: SECRET });
    expect(config.encryptionKeys).toEqual([FERNET_KEY, other]);
  });
});
