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
    PUBLIC_URL: 'https://mockflow.example/',
    TRUST_PROXY_HOPS: '1',
  };

  it('accepts a complete environment', () => {
    const config = parseConfig(complete);
    expect(config.isProduction).toBe(true);
    expect(config.encryptionKeys).toEqual([FERNET_KEY]);
    expect(config.google?.clientId).toBe('client-id');
    expect(config.workers.max).toBe(3);
    expect(config.publicUrl).toBe('https://mockflow.example');
    expect(config.trustProxyHops).toBe(1);
    // Render routes to every interface; local sign-in does not exist in production.
    expect(config.host).toBeUndefined();
    expect(config.localSignIn).toBe(false);
  });

  it('requires PUBLIC_URL and TRUST_PROXY_HOPS, saying what to set', () => {
    const { PUBLIC_URL: _url, TRUST_PROXY_HOPS: _hops, ...rest } = complete;
    expect(problemsOf(rest)).toEqual([
      'PUBLIC_URL is missing: set it to the public base URL of this server, e.g. https://mockflow.onrender.com',
      'TRUST_PROXY_HOPS is missing: set it to the number of proxies in front of this server that add X-Forwarded-For, a whole number from 0 to 10 (Render: 1)',
    ]);
    expect(problemsOf({ ...complete, TRUST_PROXY_HOPS: 'one' })).toEqual([
      'TRUST_PROXY_HOPS is malformed: expected the number of proxies in front of this server that add X-Forwarded-For, a whole number from 0 to 10 (Render: 1)',
    ]);
  });

  it('names every missing variable in one message, with the expected format', () => {
    const problems = problemsOf({ NODE_ENV: 'production' });
    for (const name of ['DATABASE_URL', 'ENCRYPTION_KEY', 'SECRET_KEY', 'GOOGLE_CLIENT_ID', 'GOOGLE_CLIENT_SECRET', 'PUBLIC_URL', 'TRUST_PROXY_HOPS']) {
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
    const problems = problemsOf(env);
    expect(problems).toEqual([
      expect.stringMatching(/^DATABASE_URL is malformed: expected a Postgres connection string, postgres:\/\//),
      expect.stringMatching(/^MAX_CONCURRENT_WORKERS is malformed: expected a whole number from 1 to 64/),
      expect.stringMatching(/^ENCRYPTION_KEY is malformed: expected .*Fernet.*generate one with/),
      expect.stringMatching(/^SECRET_KEY is too short: expected a random string of at least 32 characters/),
    ]);
    expect(() => parseConfig(env)).toThrow(ConfigError);
    for (const secret of ['secret-db-password', 'SECRETVALUE', 'lots']) {
      expect(problems.join('\n')).not.toContain(secret);
    }
  });

  it('lists schema errors, missing variables and key format problems together in one message', () => {
    let error: unknown;
    try {
      parseConfig({ NODE_ENV: 'production', PORT: 'abc', DATABASE_URL: 'mysql://x', SECRET_KEY: 'tooshort-VALUE' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const { problems, message } = error as ConfigError;
    expect(problems).toEqual([
      'PORT is malformed: expected a whole number from 0 to 65535',
      expect.stringMatching(/^PUBLIC_URL is missing/),
      expect.stringMatching(/^TRUST_PROXY_HOPS is missing/),
      expect.stringMatching(/^DATABASE_URL is malformed: expected a Postgres connection string/),
      expect.stringMatching(/^ENCRYPTION_KEY is missing: set it to .*Fernet.*Fernet\.generate_key\(\)/),
      expect.stringMatching(/^GOOGLE_CLIENT_ID is missing: set it to the OAuth client id/),
      expect.stringMatching(/^GOOGLE_CLIENT_SECRET is missing: set it to the OAuth client secret/),
      expect.stringMatching(/^SECRET_KEY is too short: expected a random string of at least 32 characters/),
    ]);
    // One message carries every problem, one per line; values are never printed.
    for (const problem of problems) expect(message).toContain(problem);
    expect(message).not.toContain('abc');
    expect(message).not.toContain('mysql://x');
    expect(message).not.toContain('tooshort-VALUE');
  });

  it('reports a malformed NODE_ENV with the allowed values', () => {
    expect(problemsOf({ NODE_ENV: 'staging', ENCRYPTION_KEY: FERNET_KEY, SECRET_KEY: SECRET })).toEqual([
      'NODE_ENV is malformed: expected one of development, production, test',
    ]);
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

  it('listens on loopback only in laptop mode unless HOST opts out, and trusts no proxy by default', () => {
    const secrets = { ENCRYPTION_KEY: FERNET_KEY, SECRET_KEY: SECRET };
    const laptop = parseConfig(secrets);
    expect(laptop).toMatchObject({ localSignIn: true, host: '127.0.0.1', trustProxyHops: 0 });
    expect(parseConfig({ ...secrets, HOST: '0.0.0.0' })).toMatchObject({ localSignIn: true, host: '0.0.0.0' });
    // With Google sign-in nobody becomes the local user: every interface, as before.
    const google = parseConfig({ ...secrets, GOOGLE_CLIENT_ID: 'id', GOOGLE_CLIENT_SECRET: 'secret' });
    expect(google.localSignIn).toBe(false);
    expect(google.host).toBeUndefined();
    expect(parseConfig({ ...secrets, TRUST_PROXY_HOPS: '2' }).trustProxyHops).toBe(2);
  });

  it('generates no secrets when the configuration is invalid anyway, and reports every problem', () => {
    let asked = false;
    let error: unknown;
    try {
      parseConfig({ PORT: '70000', LOG_LEVEL: 'loud' }, () => {
        asked = true;
        return { encryptionKey: FERNET_KEY, secretKey: SECRET };
      });
    } catch (err) {
      error = err;
    }
    expect(asked).toBe(false);
    expect((error as ConfigError).problems).toEqual([
      'PORT is malformed: expected a whole number from 0 to 65535',
      'LOG_LEVEL is malformed: expected one of fatal, error, warn, info, debug, trace, silent',
    ]);
  });

  it('treats empty settings as unset (PORT= does not mean a random port)', () => {
    const config = parseConfig({
      ENCRYPTION_KEY: FERNET_KEY,
      SECRET_KEY: SECRET,
      PORT: '',
      DATABASE_POOL_SIZE: ' ',
      MAX_CONCURRENT_WORKERS: '',
      INTERVIEW_MAX_MINUTES: '',
      NODE_ENV: '',
      LOG_LEVEL: ' ',
      AGENT_WARM_SPARE: '',
      DATA_DIR: '',
      GOOGLE_TOKEN_URL: '',
      GOOGLE_CLIENT_ID: '',
      GOOGLE_CLIENT_SECRET: '',
    });
    expect(config.port).toBe(3000);
    expect(config.database.poolSize).toBe(5);
    expect(config.workers).toMatchObject({ max: 3, warmSpare: true });
    expect(config.interview.maxMinutes).toBe(20);
    expect(config.isProduction).toBe(false);
    expect(config.logLevel).toBe('info');
    expect(config.dataDir).toBe('./.data');
    expect(config.googleEndpoints.tokenUrl).toBe('https://oauth2.googleapis.com/token');
    expect(config.google).toBeUndefined();
    // An explicit 0 still asks for any free port.
    expect(parseConfig({ ENCRYPTION_KEY: FERNET_KEY, SECRET_KEY: SECRET, PORT: '0' }).port).toBe(0);
  });

  it('still requires a production setting that is set but empty', () => {
    const problems = problemsOf({
      NODE_ENV: 'production',
      DATABASE_URL: 'postgres://u:p@db.example:5432/app',
      ENCRYPTION_KEY: FERNET_KEY,
      SECRET_KEY: '',
      GOOGLE_CLIENT_ID: 'client-id',
      GOOGLE_CLIENT_SECRET: ' ',
      PUBLIC_URL: 'https://mockflow.example',
      TRUST_PROXY_HOPS: '1',
    });
    expect(problems).toEqual([expect.stringMatching(/^SECRET_KEY is missing/), expect.stringMatching(/^GOOGLE_CLIENT_SECRET is missing/)]);
  });

  it('takes several comma-separated encryption keys, the first one first', () => {
    const other = 'YTFSTnhzZ1BmZ3JCMzBtbHFNY1FzMjdUcW5vWjVmS2g=';
    const config = parseConfig({ ENCRYPTION_KEY: ` ${FERNET_KEY} , ${other} `, SECRET_KEY: SECRET });
    expect(config.encryptionKeys).toEqual([FERNET_KEY, other]);
  });
});

describe('the role of a process (MOCKFLOW_ROLE)', () => {
  const keys = { ENCRYPTION_KEY: FERNET_KEY, SECRET_KEY: SECRET };

  it('runs everything in one process unless told otherwise', () => {
    expect(parseConfig(keys).role).toBe('all');
    expect(parseConfig({ ...keys, MOCKFLOW_ROLE: '' }).role).toBe('all');
  });

  it('asks a production runner for what it uses only: no Google client, public URL or proxy', () => {
    const runner = { NODE_ENV: 'production', DATABASE_URL: 'postgres://u:p@db.example:5432/app', ...keys, MOCKFLOW_ROLE: 'runner' };
    expect(parseConfig(runner)).toMatchObject({ role: 'runner', isProduction: true, localSignIn: false });
    expect(problemsOf({ ...runner, MOCKFLOW_ROLE: 'web' }).map((p) => p.split(' ')[0])).toEqual(['PUBLIC_URL', 'TRUST_PROXY_HOPS', 'GOOGLE_CLIENT_ID', 'GOOGLE_CLIENT_SECRET']);
    expect(problemsOf({ ...runner, ENCRYPTION_KEY: '' }).map((p) => p.split(' ')[0])).toEqual(['ENCRYPTION_KEY']);
  });

  it('splits web and runner on PostgreSQL only, saying what to set', () => {
    const database = { DATABASE_URL: 'postgres://u:p@db.example:5432/app' };
    expect(parseConfig({ ...keys, ...database, MOCKFLOW_ROLE: 'web' }).role).toBe('web');
    expect(parseConfig({ ...keys, ...database, MOCKFLOW_ROLE: 'runner' }).role).toBe('runner');
    expect(problemsOf({ ...keys, MOCKFLOW_ROLE: 'runner' })).toEqual([
      'MOCKFLOW_ROLE=runner needs DATABASE_URL: web instances and runners meet in one PostgreSQL. Set DATABASE_URL, or unset MOCKFLOW_ROLE to run everything in this process',
    ]);
    expect(problemsOf({ ...keys, MOCKFLOW_ROLE: 'worker' })).toEqual([
      expect.stringMatching(/^MOCKFLOW_ROLE is malformed: expected all \(web and runner in one process\), web \(HTTP only\) or runner \(interviews only\)/),
    ]);
  });
});

describe('the résumé reading budget (RESUME_READ_SECONDS)', () => {
  const keys = { ENCRYPTION_KEY: FERNET_KEY, SECRET_KEY: SECRET };
  it('is 5 s unless set, from 1 to 60 s', () => {
    expect(parseConfig(keys).resumeReadMs).toBe(5_000);
    expect(parseConfig({ ...keys, RESUME_READ_SECONDS: '2' }).resumeReadMs).toBe(2_000);
    expect(problemsOf({ ...keys, RESUME_READ_SECONDS: '0' })).toEqual([expect.stringMatching(/^RESUME_READ_SECONDS is malformed: expected a whole number from 1 to 60/)]);
  });
});
