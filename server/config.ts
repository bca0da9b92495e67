import { z } from 'zod';
import { Fernet, InvalidFernetKey, parseKeyList } from './crypto/fernet.ts';

// Every setting comes from the environment, is validated here once, and is passed in from
// main.ts. Nothing else reads process.env.

const FERNET_HINT =
  'one or more comma-separated Fernet keys (32 url-safe base64 bytes each); generate one with ' +
  `node -e "console.log(require('crypto').randomBytes(32).toString('base64url')+'=')" ` +
  `or python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"`;
const SECRET_HINT =
  `a random string of at least 32 characters; generate one with node -e "console.log(require('crypto').randomBytes(32).toString('hex'))"`;

// parseConfig passes an empty or blank setting as unset, so these never see ''.
const optionalText = z.string().trim().optional();

const optionalUrl = optionalText.refine((v) => v === undefined || URL.canParse(v));

const positiveInt = (fallback: number, max: number) =>
  z.coerce.number().int().min(1).max(max).default(fallback);

const schema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: optionalText,
  PUBLIC_URL: optionalUrl,
  TRUST_PROXY_HOPS: z.coerce.number().int().min(0).max(10).optional(),
  DATA_DIR: z.string().trim().min(1).default('./.data'),
  DATABASE_URL: optionalText.refine((v) => v === undefined || /^postgres(ql)?:\/\//.test(v)),
  DATABASE_POOL_SIZE: positiveInt(5, 100),
  ENCRYPTION_KEY: optionalText,
  SECRET_KEY: optionalText,
  GOOGLE_CLIENT_ID: optionalText,
  GOOGLE_CLIENT_SECRET: optionalText,
  GOOGLE_AUTHORIZATION_URL: z.url().default('https://accounts.google.com/o/oauth2/v2/auth'),
  GOOGLE_TOKEN_URL: z.url().default('https://oauth2.googleapis.com/token'),
  GOOGLE_USERINFO_URL: z.url().default('https://openidconnect.googleapis.com/v1/userinfo'),
  SUPABASE_URL: optionalUrl,
  SUPABASE_ANON_KEY: optionalText,
  SUPABASE_SERVICE_ROLE_KEY: optionalText,
  DEEPGRAM_API_URL: z.url().default('https://api.deepgram.com'),
  MAX_CONCURRENT_WORKERS: positiveInt(3, 64),
  INTERVIEW_MAX_MINUTES: positiveInt(20, 240),
  INTERVIEW_IDLE_MINUTES: positiveInt(3, 60),
  INTERVIEW_PAUSE_SECONDS: positiveInt(120, 900),
  RESUME_READ_SECONDS: positiveInt(5, 60),
  AGENT_HEAP_MB: positiveInt(192, 4096),
  AGENT_USER: optionalText,
  AGENT_WARM_SPARE: z
    .enum(['true', 'false', '1', '0'])
    .default('true')
    .transform((value) => value === 'true' || value === '1'),
  INTERVIEWER_NAME: z.string().trim().min(1).max(40).default('Alex'),
  INSTANCE_LEASE_SECONDS: z.coerce.number().int().min(2).max(300).default(15),
  SHUTDOWN_DRAIN_SECONDS: z.coerce.number().int().min(0).max(3600).default(0),
  MOCKFLOW_ROLE: z.enum(['all', 'web', 'runner']).default('all'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

type Settings = z.infer<typeof schema>;
type Name = keyof Settings;

const POSTGRES_HINT =
  'a Postgres connection string, postgres://user:password@host:5432/database (Supabase: Project Settings → Database)';
const wholeNumber = (min: number, max: number) => `a whole number from ${min} to ${max}`;

/** What each variable must look like, for the error message (which never shows the value). */
const EXPECTED: Record<Name, string> = {
  NODE_ENV: 'one of development, production, test',
  PORT: wholeNumber(0, 65535),
  HOST: 'a host name or address to listen on, e.g. 0.0.0.0',
  PUBLIC_URL: 'the public base URL of this server, e.g. https://mockflow.onrender.com',
  TRUST_PROXY_HOPS:
    'the number of proxies in front of this server that add X-Forwarded-For, a whole number from 0 to 10 (Render: 1)',
  DATA_DIR: 'a directory path, e.g. ./.data',
  DATABASE_URL: POSTGRES_HINT,
  DATABASE_POOL_SIZE: wholeNumber(1, 100),
  ENCRYPTION_KEY: FERNET_HINT,
  SECRET_KEY: SECRET_HINT,
  GOOGLE_CLIENT_ID: 'the OAuth client id from Google Cloud Console → APIs & Services → Credentials',
  GOOGLE_CLIENT_SECRET: 'the OAuth client secret of that client',
  GOOGLE_AUTHORIZATION_URL: 'an absolute URL, e.g. https://accounts.google.com/o/oauth2/v2/auth',
  GOOGLE_TOKEN_URL: 'an absolute URL, e.g. https://oauth2.googleapis.com/token',
  GOOGLE_USERINFO_URL: 'an absolute URL, e.g. https://openidconnect.googleapis.com/v1/userinfo',
  SUPABASE_URL: 'the Supabase project URL, e.g. https://abcd.supabase.co',
  SUPABASE_ANON_KEY: 'the anon public key (Supabase: Project Settings → API)',
  SUPABASE_SERVICE_ROLE_KEY: 'the service_role key (Supabase: Project Settings → API)',
  DEEPGRAM_API_URL: 'an absolute URL, e.g. https://api.deepgram.com',
  MAX_CONCURRENT_WORKERS: wholeNumber(1, 64),
  INTERVIEW_MAX_MINUTES: wholeNumber(1, 240),
  INTERVIEW_IDLE_MINUTES: wholeNumber(1, 60),
  INTERVIEW_PAUSE_SECONDS: wholeNumber(1, 900),
  RESUME_READ_SECONDS: wholeNumber(1, 60),
  AGENT_HEAP_MB: wholeNumber(1, 4096),
  AGENT_USER: 'a user name or numeric uid to run interview children as, e.g. nobody',
  AGENT_WARM_SPARE: 'true or false',
  INTERVIEWER_NAME: 'a name of 1 to 40 characters',
  INSTANCE_LEASE_SECONDS: wholeNumber(2, 300),
  SHUTDOWN_DRAIN_SECONDS: 'a whole number of seconds from 0 to 3600',
  MOCKFLOW_ROLE: 'all (web and runner in one process), web (HTTP only) or runner (interviews only)',
  LOG_LEVEL: 'one of fatal, error, warn, info, debug, trace, silent',
};

/** Required in production of the processes that serve the web app (MOCKFLOW_ROLE all or web). */
const FOR_WEB_ONLY: Name[] = ['GOOGLE_CLIENT_ID', 'GOOGLE_CLIENT_SECRET', 'PUBLIC_URL', 'TRUST_PROXY_HOPS'];

const REQUIRED_IN_PRODUCTION: Name[] = [
  'DATABASE_URL',
  'ENCRYPTION_KEY',
  'SECRET_KEY',
  'GOOGLE_CLIENT_ID',
  'GOOGLE_CLIENT_SECRET',
  // The OAuth redirect is built from it, never from a request's X-Forwarded-Host.
  'PUBLIC_URL',
  // HTTPS ends at a proxy (this server speaks plain HTTP), and only the operator knows how many.
  'TRUST_PROXY_HOPS',
];

/**
 * Settings that are secrets (or hold one: DATABASE_URL's password). Once read into the config
 * they are removed from process.env (see forgetSecrets).
 */
export const SECRET_SETTINGS = ['ENCRYPTION_KEY', 'SECRET_KEY', 'GOOGLE_CLIENT_SECRET', 'SUPABASE_SERVICE_ROLE_KEY', 'DATABASE_URL'] as const;

/**
 * Deletes the secret settings from `env` once the config holds them, so nothing started later
 * (a child that forgets the allow-list, a library that reads the environment) sees them. Linux
 * still shows the environment the process started with in /proc/<pid>/environ: only a child
 * running as another user (AGENT_USER) is kept from that.
 */
export function forgetSecrets(env: Env): void {
  for (const name of SECRET_SETTINGS) delete env[name];
}

/** Laptop mode listens on loopback only unless HOST says otherwise. */
export const LOOPBACK_HOST = '127.0.0.1';

const missing = (name: Name) => `${name} is missing: set it to ${EXPECTED[name]}`;
const malformed = (name: Name) => `${name} is malformed: expected ${EXPECTED[name]}`;

export type Env = Record<string, string | undefined>;

export interface Config {
  isProduction: boolean;
  port: number;
  /** Undefined: every interface. */
  host?: string;
  publicUrl?: string;
  /** How many proxies in front of the server are trusted to report the client's address (X-Forwarded-*). */
  trustProxyHops: number;
  /** "Continue as local user": no Google client and not production (offered to loopback clients only). */
  localSignIn: boolean;
  dataDir: string;
  database: { url?: string; poolSize: number };
  /** Fernet keys: the first encrypts, all decrypt. */
  encryptionKeys: string[];
  secretKey: string;
  google?: {
    clientId: string;
    clientSecret: string;
    authorizationUrl: string;
    tokenUrl: string;
    userInfoUrl: string;
  };
  googleEndpoints: { authorizationUrl: string; tokenUrl: string; userInfoUrl: string };
  supabase?: { url: string; anonKey: string; serviceRoleKey?: string };
  /** Deepgram's API, for key tests (a setting, not user input). */
  deepgramApiUrl: string;
  /** `user`: AGENT_USER as set (server/workers/child-user.ts decides what it means). */
  workers: { max: number; heapMb: number; warmSpare: boolean; user?: string };
  interview: { maxMinutes: number; idleMinutes: number; pauseSeconds: number; interviewerName: string };
  /** How long one résumé file may take to read (its child's CPU and wall clock) before it is refused as too complex. */
  resumeReadMs: number;
  /**
   * Each server process holds a lease in the database, renewed a few times a lease: only the live
   * interviews and feedback of a process whose lease has run out are orphans. On SIGTERM, live
   * interviews may carry on for up to drainMs (a deploy's shutdown delay) before they are ended.
   */
  instances: { leaseMs: number; drainMs: number };
  /**
   * What this process does: `all` serves HTTP and runs interviews; `web` and `runner` split those
   * between processes sharing one PostgreSQL (server/fleet).
   */
  role: 'all' | 'web' | 'runner';
  logLevel: string;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Configuration is invalid:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Secrets that may be generated outside production when absent from the environment. */
export interface GeneratedSecrets {
  encryptionKey: string;
  secretKey: string;
}

/**
 * Validates the environment. Outside production, `loadSecrets` supplies ENCRYPTION_KEY and
 * SECRET_KEY when they are absent (main.ts keeps them in DATA_DIR).
 */
export function parseConfig(env: Env, loadSecrets?: (dataDir: string) => GeneratedSecrets): Config {
  // Each variable is checked on its own so that one bad value does not hide the others: every
  // problem (format, required in production, key format) is collected and reported together.
  // Messages name the variable and the expected format, never the value.
  const problems: string[] = [];
  const invalid = new Set<Name>();
  const settings: Partial<Record<Name, unknown>> = {};
  for (const name of Object.keys(schema.shape) as Name[]) {
    // An empty setting is an unset one (PORT= in a .env file, an empty value on a host's
    // dashboard): it takes the default, where z.coerce would have turned it into 0.
    const raw = env[name]?.trim() === '' ? undefined : env[name];
    const result = schema.shape[name].safeParse(raw);
    if (result.success) settings[name] = result.data;
    else invalid.add(name);
  }
  const e = settings as Settings;
  const isProduction = invalid.has('NODE_ENV') ? env.NODE_ENV?.trim() === 'production' : e.NODE_ENV === 'production';

  // A runner serves no pages: no sign-in, no redirect URI, no proxy in front of it.
  const runner = e.MOCKFLOW_ROLE === 'runner';
  for (const name of Object.keys(schema.shape) as Name[]) {
    if (invalid.has(name)) problems.push(malformed(name));
    else if (isProduction && REQUIRED_IN_PRODUCTION.includes(name) && e[name] === undefined && !(runner && FOR_WEB_ONLY.includes(name))) problems.push(missing(name));
  }

  let encryptionKey = e.ENCRYPTION_KEY;
  let secretKey = e.SECRET_KEY;
  const generatable = !isProduction && loadSecrets !== undefined && !invalid.has('DATA_DIR');
  if (generatable && (encryptionKey === undefined || secretKey === undefined) && problems.length === 0) {
    // Only for an otherwise valid configuration: a failing start leaves nothing behind.
    const generated = loadSecrets(e.DATA_DIR);
    encryptionKey ??= generated.encryptionKey;
    secretKey ??= generated.secretKey;
  }

  let encryptionKeys: string[] = [];
  if (encryptionKey !== undefined) {
    encryptionKeys = parseKeyList(encryptionKey);
    const malformedKeys = encryptionKeys.filter((k) => !isFernetKey(k)).length;
    if (encryptionKeys.length === 0 || malformedKeys > 0) problems.push(malformed('ENCRYPTION_KEY'));
  } else if (!isProduction && !generatable) {
    problems.push(missing('ENCRYPTION_KEY'));
  }
  if (secretKey !== undefined && secretKey.length < 32) {
    problems.push(`SECRET_KEY is too short: expected ${SECRET_HINT}`);
  } else if (secretKey === undefined && !isProduction && !generatable) {
    problems.push(missing('SECRET_KEY'));
  }
  if (e.SUPABASE_URL !== undefined && e.SUPABASE_ANON_KEY === undefined) {
    problems.push(`SUPABASE_ANON_KEY is missing: set it to ${EXPECTED.SUPABASE_ANON_KEY} or unset SUPABASE_URL`);
  }
  if ((e.GOOGLE_CLIENT_ID === undefined) !== (e.GOOGLE_CLIENT_SECRET === undefined) && !isProduction) {
    problems.push('GOOGLE_CLIENT_ID and GOOGLE_CLIENT_SECRET go together: set both or neither');
  }
  if (e.MOCKFLOW_ROLE !== undefined && e.MOCKFLOW_ROLE !== 'all' && e.DATABASE_URL === undefined && !invalid.has('DATABASE_URL')) {
    problems.push(`MOCKFLOW_ROLE=${e.MOCKFLOW_ROLE} needs DATABASE_URL: web instances and runners meet in one PostgreSQL. Set DATABASE_URL, or unset MOCKFLOW_ROLE to run everything in this process`);
  }
  if (problems.length > 0) throw new ConfigError(problems);

  const localSignIn = !(e.GOOGLE_CLIENT_ID && e.GOOGLE_CLIENT_SECRET) && !isProduction;
  const googleEndpoints = {
    authorizationUrl: e.GOOGLE_AUTHORIZATION_URL,
    tokenUrl: e.GOOGLE_TOKEN_URL,
    userInfoUrl: e.GOOGLE_USERINFO_URL,
  };
  return {
    isProduction,
    port: e.PORT,
    // Anyone who reaches a laptop-mode server could be the local user: loopback unless HOST opts out.
    host: e.HOST ?? (localSignIn ? LOOPBACK_HOST : undefined),
    publicUrl: e.PUBLIC_URL?.replace(/\/+$/, ''),
    trustProxyHops: e.TRUST_PROXY_HOPS ?? 0,
    localSignIn,
    dataDir: e.DATA_DIR,
    database: { url: e.DATABASE_URL, poolSize: e.DATABASE_POOL_SIZE },
    encryptionKeys,
    secretKey: secretKey!,
    google:
      e.GOOGLE_CLIENT_ID && e.GOOGLE_CLIENT_SECRET
        ? { clientId: e.GOOGLE_CLIENT_ID, clientSecret: e.GOOGLE_CLIENT_SECRET, ...googleEndpoints }
        : undefined,
    googleEndpoints,
    supabase:
      e.SUPABASE_URL && e.SUPABASE_ANON_KEY
        ? { url: e.SUPABASE_URL, anonKey: e.SUPABASE_ANON_KEY, serviceRoleKey: e.SUPABASE_SERVICE_ROLE_KEY }
        : undefined,
    deepgramApiUrl: e.DEEPGRAM_API_URL.replace(/\/+$/, ''),
    workers: { max: e.MAX_CONCURRENT_WORKERS, heapMb: e.AGENT_HEAP_MB, warmSpare: e.AGENT_WARM_SPARE, user: e.AGENT_USER },
    resumeReadMs: e.RESUME_READ_SECONDS * 1000,
    interview: {
      maxMinutes: e.INTERVIEW_MAX_MINUTES,
      idleMinutes: e.INTERVIEW_IDLE_MINUTES,
      pauseSeconds: e.INTERVIEW_PAUSE_SECONDS,
      interviewerName: e.INTERVIEWER_NAME,
    },
    instances: { leaseMs: e.INSTANCE_LEASE_SECONDS * 1000, drainMs: e.SHUTDOWN_DRAIN_SECONDS * 1000 },
    role: e.MOCKFLOW_ROLE,
    logLevel: e.LOG_LEVEL,
  };
}

function isFernetKey(key: string): boolean {
  try {
    new Fernet(key);
    return true;
  } catch (err) {
    if (err instanceof InvalidFernetKey) return false;
    throw err;
  }
}
