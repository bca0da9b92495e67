import { AsyncLocalStorage } from 'node:async_hooks';
import type { GuardedFetch } from '../../shared/guarded-fetch.ts';
import { assertHostAllowed, systemResolve, UnsafeUrlError, type Resolver } from '../../shared/net-guard.ts';

// Users give us URLs (their LiveKit server, their LLM's, Deepgram's and speech server's base URLs) that the server then calls
// with their keys. The address classification and the connect-time guard are shared/ (the
// interview child connects to the LLM base URL itself and needs them too); this file adds the
// URL rules for each kind of URL, and scoping the global fetch for SDKs that take no fetch option.

export type UrlKind = 'livekit' | 'llm' | 'deepgram' | 'speech';

// ---------------------------------------------------------------------------------------------
// URL checks

const LABEL: Record<UrlKind, string> = {
  livekit: 'LiveKit URL',
  llm: 'LLM base URL',
  deepgram: 'Deepgram base URL',
  speech: 'Speech base URL',
};

// A Deepgram base URL is given in its https:// form: the agent derives the wss:// one for streaming.
function allowedSchemes(kind: UrlKind, production: boolean): string[] {
  if (kind === 'livekit') return production ? ['wss:', 'https:'] : ['wss:', 'https:', 'ws:', 'http:'];
  return production ? ['https:'] : ['https:', 'http:'];
}

export interface ParseUrlOptions {
  kind: UrlKind;
  production: boolean;
}

export interface CheckUrlOptions extends ParseUrlOptions {
  /** Defaults to the system resolver (dns.lookup); tests inject their own. */
  resolve?: Resolver;
  /** Gives up on a host name lookup after this long (no limit by default). */
  lookupTimeoutMs?: number;
}

export interface CheckedUrl {
  /** The URL as the user gave it, parsed and normalised. */
  url: URL;
  /** Where HTTP calls go: https:// for wss://, http:// for ws://, otherwise the URL itself. */
  httpUrl: URL;
}

/**
 * Checks a user-supplied URL before anything is sent to it: its form (parseUserUrl), then every
 * address the host resolves to (checkUrlHost). Throws UnsafeUrlError with a message fit for the user.
 */
export async function checkUserUrl(raw: string, options: CheckUrlOptions): Promise<CheckedUrl> {
  const checked = parseUserUrl(raw, options);
  await checkUrlHost(checked.url, options);
  return checked;
}

/** The form of a user-supplied URL only: scheme, no credentials, no query. No lookup. */
export function parseUserUrl(raw: string, options: ParseUrlOptions): CheckedUrl {
  const label = LABEL[options.kind];
  const schemes = allowedSchemes(options.kind, options.production);
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new UnsafeUrlError('malformed', `${label} is not a valid URL`);
  }
  if (!schemes.includes(url.protocol)) {
    const list = schemes.map((s) => `${s}//`);
    const spelled = list.length === 1 ? list[0] : `${list.slice(0, -1).join(', ')} or ${list.at(-1)}`;
    throw new UnsafeUrlError('scheme', `${label} must start with ${spelled}`);
  }
  if (url.username !== '' || url.password !== '') {
    throw new UnsafeUrlError('credentials', `${label} must not contain a user name or password`);
  }
  if (url.search !== '' || url.hash !== '') {
    throw new UnsafeUrlError('malformed', `${label} must not contain ? or #`);
  }
  const httpUrl = new URL(url.href);
  if (url.protocol === 'wss:' || url.protocol === 'ws:') httpUrl.protocol = url.protocol === 'wss:' ? 'https:' : 'http:';
  return { url, httpUrl };
}

/** Refuses a URL whose host is, or resolves to, an address no provider URL may point at. */
export async function checkUrlHost(url: URL, options: Omit<CheckUrlOptions, 'kind'>): Promise<void> {
  const check = assertHostAllowed(url.hostname, options.production, options.resolve ?? systemResolve);
  const ms = options.lookupTimeoutMs;
  if (ms === undefined) return check;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const host = url.hostname.replace(/^\[|\]$/g, '');
      const seconds = Number((ms / 1000).toFixed(1));
      reject(new UnsafeUrlError('unresolvable', `looking up ${host} took longer than ${seconds} s, so the address could not be checked: try again`));
    }, ms);
  });
  check.catch(() => {}); // its verdict no longer matters once the clock has run out
  try {
    await Promise.race([check, late]);
  } finally {
    clearTimeout(timer);
  }
}

// Some SDKs (livekit-server-sdk) call the global fetch and take no fetch option. This swaps the
// global fetch for one async context only: calls made inside `fn`, and only those, use `fetchImpl`.
const scopedFetch = new AsyncLocalStorage<GuardedFetch>();
let originalFetch: typeof fetch | undefined;
const dispatchingFetch: typeof fetch = (input, init) => (scopedFetch.getStore() ?? originalFetch!)(input, init);

export function runWithFetch<T>(fetchImpl: GuardedFetch, fn: () => Promise<T>): Promise<T> {
  if (originalFetch === undefined) {
    originalFetch = globalThis.fetch;
    globalThis.fetch = dispatchingFetch;
  }
  // Fail closed rather than let a request out unguarded if someone replaced fetch since.
  if (globalThis.fetch !== dispatchingFetch) {
    return Promise.reject(new Error('the global fetch was replaced, so this request cannot be guarded'));
  }
  return scopedFetch.run(fetchImpl, fn);
}
