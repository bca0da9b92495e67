import type { z } from 'zod';
import { isPresetUrl } from '../../shared/providers.ts';
import { UnsafeUrlError, type Resolver } from '../../shared/net-guard.ts';
import { checkUserUrl, parseUserUrl, type UrlKind } from './url-guard.ts';

// Reading the keys API's bodies. Every request gets the schema and the form of each URL the user
// gave (a 400 per field, in the route chain); only saving looks the hosts up here. "Test keys"
// leaves that to each provider's check, on that check's clock, so one host that cannot be found
// fails one provider.

type UserUrls = Partial<Record<'livekit_url' | 'llm_base_url' | 'deepgram_base_url' | 'tts_base_url', string>>;

const USER_URLS: [keyof UserUrls, UrlKind][] = [
  ['livekit_url', 'livekit'],
  ['llm_base_url', 'llm'],
  ['deepgram_base_url', 'deepgram'],
  ['tts_base_url', 'speech'],
];

/** A host lookup while saving gives up after this long rather than hold the request. */
export const DEFAULT_LOOKUP_TIMEOUT_MS = 5_000;

// A URL is judged only once everything before it passed (the schema, then the URLs' form).
const ONCE_VALID = { when: (payload: { issues: readonly unknown[] }) => payload.issues.length === 0 };

/** `schema`, then the form of each user URL: scheme, no credentials; no lookup. */
export function withUrlForms<S extends z.ZodType<UserUrls>>(schema: S, production: boolean): S {
  return schema.superRefine((input, ctx) => {
    for (const [field, kind, value] of given(input)) {
      try {
        parseUserUrl(value, { kind, production });
      } catch (err) {
        refuse(ctx, field, err);
      }
    }
  }, ONCE_VALID);
}

export interface HostCheckOptions {
  production: boolean;
  resolve?: Resolver;
  lookupTimeoutMs?: number;
}

/** For saving: `schema`, then each user URL's host, all looked up at once within the time limit, and judged. */
export function withHostsAllowed<S extends z.ZodType<UserUrls>>(schema: S, options: HostCheckOptions): S {
  return schema.superRefine(async (input, ctx) => {
    await Promise.all(
      given(input)
        // A preset is our own constant, not the user's address: nothing to check or resolve.
        .filter(([, , value]) => !isPresetUrl(value))
        .map(([field, kind, value]) =>
          checkUserUrl(value, {
            kind,
            production: options.production,
            resolve: options.resolve,
            lookupTimeoutMs: options.lookupTimeoutMs ?? DEFAULT_LOOKUP_TIMEOUT_MS,
          }).catch((err: unknown) => refuse(ctx, field, err)),
        ),
    );
  }, ONCE_VALID);
}

function given(input: UserUrls): [keyof UserUrls, UrlKind, string][] {
  return USER_URLS.flatMap(([field, kind]) => (input[field] ? [[field, kind, input[field]] as [keyof UserUrls, UrlKind, string]] : []));
}

/** A URL refused is a message on its field; any other failure is not the user's to fix. */
function refuse(ctx: z.RefinementCtx, field: keyof UserUrls, err: unknown): void {
  if (!(err instanceof UnsafeUrlError)) throw err;
  ctx.addIssue({ code: 'custom', path: [field], message: err.message });
}
