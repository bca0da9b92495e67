import { validation } from '../http/errors.ts';
import { isPresetUrl } from '../../shared/providers.ts';
import { fieldErrors } from './schema.ts';
import { UnsafeUrlError, type Resolver } from '../../shared/net-guard.ts';
import { checkUserUrl, parseUserUrl, type UrlKind } from './url-guard.ts';

// Reading the keys API's bodies. Every request gets the schema and the form of each URL the user
// gave (a 400 per field); only saving looks the hosts up here. "Test keys" leaves that to each
// provider's check, on that check's clock, so one host that cannot be found fails one provider.

type UserUrls = Partial<Record<'livekit_url' | 'llm_base_url' | 'deepgram_base_url' | 'tts_base_url', string>>;

const USER_URLS: [keyof UserUrls, UrlKind][] = [
  ['livekit_url', 'livekit'],
  ['llm_base_url', 'llm'],
  ['deepgram_base_url', 'deepgram'],
  ['tts_base_url', 'speech'],
];

/** A host lookup while saving gives up after this long rather than hold the request. */
export const DEFAULT_LOOKUP_TIMEOUT_MS = 5_000;

interface Schema<T> {
  safeParse(value: unknown): { success: true; data: T } | { success: false; error: import('zod').ZodError };
}

/** The schema, then the form (scheme, no credentials) of each user URL; no lookup. */
export async function parseKeysBody<T extends UserUrls>(schema: Schema<T>, body: unknown, production: boolean): Promise<T> {
  const parsed = schema.safeParse(body ?? {});
  if (!parsed.success) throw validation(fieldErrors(parsed.error));
  await refuseBadUrls(parsed.data, (value, kind) => parseUserUrl(value, { kind, production }));
  return parsed.data;
}

export interface HostCheckOptions {
  production: boolean;
  resolve?: Resolver;
  lookupTimeoutMs?: number;
}

/** Before saving: each user URL's host, looked up within the time limit and judged. */
export function checkHostsBeforeSaving(input: UserUrls, options: HostCheckOptions): Promise<void> {
  return refuseBadUrls(input, async (value, kind) => {
    // A preset is our own constant, not the user's address: nothing to check or resolve.
    if (isPresetUrl(value)) return;
    await checkUserUrl(value, {
      kind,
      production: options.production,
      resolve: options.resolve,
      lookupTimeoutMs: options.lookupTimeoutMs ?? DEFAULT_LOOKUP_TIMEOUT_MS,
    });
  });
}

/** Runs `check` on each user URL given, all at once; what it refuses is a 400 naming each field. */
async function refuseBadUrls(input: UserUrls, check: (value: string, kind: UrlKind) => unknown): Promise<void> {
  const fields: Record<string, string> = {};
  await Promise.all(
    USER_URLS.map(async ([field, kind]) => {
      const value = input[field];
      if (!value) return;
      try {
        await check(value, kind);
      } catch (err) {
        if (!(err instanceof UnsafeUrlError)) throw err;
        fields[field] = err.message;
      }
    }),
  );
  if (Object.keys(fields).length > 0) throw validation(fields);
}
