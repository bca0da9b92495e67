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

const optionalText = z
  .string()
  .trim()
  .transform((v) => (v === '' ? undefined : v))
  .optional();

const optionalUrl = (what: string) =>
  optionalText.refine((v) => v === undefined || URL.canParse(v), { message: `must be ${what}` });

const positiveInt = (fallback: number, max: number) =>
  z.coerce.number().int().min(1).max(max).default(fallback);

const schema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: optionalText,
  PUBLIC_URL: optionalUrl('the public base URL of this server, e.g. https://mockflow.onrender.com'),
  DATA_DIR: z.string().trim().min(1).default('./.data'),
  DATABASE_URL: optionalText.refine((v) => v === undefined || /^postgres(ql)?:\/\//.test(v), {
    message: 'must be a Postgres connection string, postgres://user:password@host:5432/database',
  }),
  DATABASE_POOL_SIZE: positiveInt(5, 100),
  ENCRYPTION_KEY: optionalText,
  SECRET_KEY: optionalText,
  GOOGLE_CLIENT_ID: optionalText,
  GOOGLE_CLIENT_SECRET: optionalText,
  GOOGLE_AUTHORIZATION_URL: z.url().default('https://accounts.google.com/o/oauth2/v2/auth'),
  GOOGLE_TOKEN_URL: z.url().default('https://oauth2.googleapis.com/token'),
  GOOGLE_USERINFO_URL: z.url().default('https://openidconnect.googleapis.com/v1/userinfo'),
  SUPABASE_URL: optionalUrl('the Supabase project URL, e.g. https://abcd.supabase.co'),
  SUPABASE_ANON_KEY: optionalText,
  SUPABASE_SERVICE_ROLE_KEY: optionalText,
  DEEPGRAM_API_URL: z.url().default('https://api.deepgram.com'),
  MAX_CONCURRENT_WORKERS: positiveInt(3, 64),
  INTERVIEW_MAX_MINUTES: positiveInt(20, 240),
  INTERVIEW_IDLE_MINUTES: positiveInt(3, 60),
  AGENT_HEAP_MB: positiveInt(192, 4096),
  INTERVIEWER_NAME: z.string().trim().min(1).max(40).default('Alex'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type Env = Record<string, string | undefined>;

export interface Config {
  env: 'development' | 'production' | 'test';
  isProduction: boolean;
  port: number;
  host?: string;
  publicUrl?: string;
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
  workers: { max: number; heapMb: number };
  interview: { maxMinutes: number; idleMinutes: number; interviewerName: string };
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
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    // Zod issues name the path and the rule, never the value.
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  }
  const e = parsed.data;
  const isProduction = e.NODE_ENV === 'production';
  const problems: string[] = [];

  if (isProduction) {
    const required: [keyof typeof e, string][] = [
      ['DATABASE_URL', 'the Postgres connection string, postgres://user:password@host:5432/database (Supabase: Project Settings → Database)'],
      ['ENCRYPTION_KEY', FERNET_HINT],
      ['SECRET_KEY', SECRET_HINT],
      ['GOOGLE_CLIENT_ID', 'the OAuth client id from Google Cloud Console → APIs & Services → Credentials'],
      ['GOOGLE_CLIENT_SECRET', 'the OAuth client secret of that client'],
    ];
    for (const [name, hint] of required) {
      if (e[name] === undefined) problems.push(`${name} is missing: set it to ${hint}`);
    }
  }

  let encryptionKey = e.ENCRYPTION_KEY;
  let secretKey = e.SECRET_KEY;
  if (!isProduction && (encryptionKey === undefined || secretKey === undefined) && loadSecrets) {
    const generated = loadSecrets(e.DATA_DIR);
    encryptionKey ??= generated.encryptionKey;
    secretKey ??= generated.secretKey;
  }

  let encryptionKeys: string[] = [];
  if (encryptionKey !== undefined) {
    encryptionKeys = parseKeyList(encryptionKey);
    const malformed = encryptionKeys.filter((k) => !isFernetKey(k)).length;
    if (encryptionKeys.length === 0 || malformed > 0) {
      problems.push(`ENCRYPTION_KEY is malformed: expected ${FERNET_HINT}`);
    }
  } else if (!isProduction) {
    problems.push(`ENCRYPTION_KEY is missing: set it to ${FERNET_HINT}`);
  }
  if (secretKey !== undefined && secretKey.length < 32) {
    problems.push(`SECRET_KEY is too short: expected ${SECRET_HINT}`);
  } else if (secretKey === undefined && !isProduction) {
    problems.push(`SECRET_KEY is missing: set it to ${SECRET_HINT}`);
  }
  if (e.SUPABASE_URL !== undefined && e.SUPABASE_ANON_KEY === undefined) {
    problems.push('SUPABASE_ANON_KEY is missing: set it to the anon public key (Supabase: Project Settings → API) or unset SUPABASE_URL');
  }
  if ((e.GOOGLE_CLIENT_ID === undefined) !== (e.GOOGLE_CLIENT_SECRET === undefined) && !isProduction) {
    problems.push('GOOGLE_CLIENT_ID and GOOGLE_CLIENT_SECRET go together: set both or neither');
  }
  if (problems.length > 0) throw new ConfigError(problems);

  const googleEndpoints = {
    authorizationUrl: e.GOOGLE_AUTHORIZATION_URL,
    tokenUrl: e.GOOGLE_TOKEN_URL,
    userInfoUrl: e.GOOGLE_USERINFO_URL,
  };
  return {
    env: e.NODE_ENV,
    isProduction,
    port: e.PORT,
    host: e.HOST,
    publicUrl: e.PUBLIC_URL?.replace(/\/+$/, ''),
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
    workers: { max: e.MAX_CONCURRENT_WORKERS, heapMb: e.AGENT_HEAP_MB },
    interview: {
      maxMinutes: e.INTERVIEW_MAX_MINUTES,
      idleMinutes: e.INTERVIEW_IDLE_MINUTES,
      interviewerName: e.INTERVIEWER_NAME,
    },
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
