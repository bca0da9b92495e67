// Turns provider failures into one plain sentence for the candidate. Provider error texts are
// never passed through: they can echo key fragments, URLs with tokens, or request bodies.

import { UnsafeUrlError, type RefusedAddress } from '../shared/net-guard.ts';
import type { ProviderKeys } from './protocol.ts';

export type Provider = 'llm' | 'stt' | 'tts' | 'livekit';

export interface ProviderFailure {
  provider: Provider;
  message: string;
}

/** The HTTP-like status an SDK error carries, if any. */
export function statusOf(error: unknown): number | undefined {
  for (let e: unknown = error, depth = 0; e && typeof e === 'object' && depth < 4; depth++) {
    const candidate = e as { statusCode?: unknown; status?: unknown; code?: unknown; cause?: unknown; error?: unknown };
    for (const value of [candidate.statusCode, candidate.status, candidate.code]) {
      if (typeof value === 'number' && value >= 100 && value < 600) return value;
    }
    e = candidate.error ?? candidate.cause;
  }
  const text = error instanceof Error ? error.message : typeof error === 'string' ? error : '';
  const match = /\b(401|403|404|429)\b/.exec(text);
  return match ? Number(match[1]) : undefined;
}

/** Walks an error, its causes and wrapped errors (SDK errors nest the provider's, fetch nests the socket's). */
function* errorChain(error: unknown): Generator<Record<string, unknown>> {
  const seen = new Set<unknown>();
  const pending: unknown[] = [error];
  while (pending.length > 0 && seen.size < 12) {
    const e = pending.shift();
    if (!e || typeof e !== 'object' || seen.has(e)) continue;
    seen.add(e);
    const candidate = e as Record<string, unknown>;
    yield candidate;
    pending.push(candidate.cause, candidate.error);
    if (Array.isArray(candidate.errors)) pending.push(...candidate.errors);
  }
}

function chainText(error: unknown): string {
  let text = typeof error === 'string' ? error : '';
  for (const e of errorChain(error)) text += ` ${String(e.name ?? '')} ${String(e.code ?? '')} ${String(e.message ?? '')}`;
  return text;
}

function unsafeUrlError(error: unknown): UnsafeUrlError | undefined {
  for (const e of errorChain(error)) if (e instanceof UnsafeUrlError) return e;
  return undefined;
}

/** The address the network guard refused to connect to, if that is what the failure was. */
export function refusedAddress(...errors: unknown[]): RefusedAddress | undefined {
  for (const error of errors) {
    const refused = unsafeUrlError(error)?.refused;
    if (refused) return refused;
  }
  return undefined;
}

/** True when the failure is about reaching the provider at all (no HTTP answer came back). */
export function looksUnreachable(error: unknown): boolean {
  if (unsafeUrlError(error)?.reason === 'unresolvable') return true;
  return /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|ECONNRESET|EHOSTUNREACH|ENETUNREACH|Connection error|APIConnectionError|APITimeoutError|APIConnectionTimeoutError|timed out|fetch failed|bad port|UND_ERR_/i.test(
    chainText(error),
  );
}

/** Why a provider could not be reached, in a few plain words, when the error says. */
export function unreachableReason(...errors: unknown[]): string | undefined {
  const text = errors.map(chainText).join(' ');
  if (/ECONNREFUSED/.test(text)) return 'connection refused';
  // fetch refuses some ports outright (9, 6000, 6665–6669 …: the Fetch standard's "bad ports").
  if (/\bbad port\b/i.test(text)) return 'that port is blocked for web requests';
  const unresolvable = errors.some((e) => unsafeUrlError(e)?.reason === 'unresolvable');
  if (unresolvable || /ENOTFOUND|EAI_AGAIN|EAI_NONAME|EAI_FAIL/.test(text)) return 'host name not found';
  if (/EHOSTUNREACH|ENETUNREACH|ENETDOWN/.test(text)) return 'network unreachable';
  if (/CERT_|_CERT|ERR_TLS|ERR_SSL|SELF_SIGNED/.test(text)) return 'its TLS certificate was not accepted';
  if (/ETIMEDOUT|UND_ERR_CONNECT_TIMEOUT|UND_ERR_HEADERS_TIMEOUT|TimeoutError|timed out/i.test(text)) return 'no answer in time';
  if (/ECONNRESET|EPIPE|UND_ERR_SOCKET|socket hang up/i.test(text)) return 'the connection was dropped';
  return undefined;
}

function hostOf(url: string | undefined, fallback: string): string {
  if (!url) return fallback;
  try {
    return new URL(url).host || fallback;
  } catch {
    return 'the configured address';
  }
}

/**
 * Where a provider is called: shown so the user can tell a wrong address from a provider outage.
 * Not for LiveKit: the project URL is stored encrypted like the keys, so it is not repeated.
 */
export function providerHost(provider: Provider, keys?: ProviderKeys): string | undefined {
  switch (provider) {
    case 'llm':
      return hostOf(keys?.llmBaseUrl, 'api.openai.com');
    case 'stt':
      return hostOf(keys?.deepgramBaseUrl, 'api.deepgram.com');
    case 'tts':
      return keys?.ttsProvider === 'deepgram' ? hostOf(keys.deepgramBaseUrl, 'api.deepgram.com') : hostOf(keys?.ttsBaseUrl, 'api.openai.com');
    case 'livekit':
      return undefined;
  }
}

/** The Settings → Keys field that holds the provider's address, when the user gave one. */
function addressSetting(provider: Provider, keys?: ProviderKeys): string | undefined {
  if (provider === 'llm') return 'base URL';
  if (provider === 'livekit') return 'LiveKit URL';
  const deepgram = provider === 'stt' || keys?.ttsProvider === 'deepgram';
  if (deepgram) return keys?.deepgramBaseUrl ? 'Deepgram base URL' : undefined;
  return keys?.ttsBaseUrl ? 'speech base URL' : undefined;
}

const BARE_NAMES: Readonly<Record<Provider, string>> = {
  llm: 'The LLM provider',
  stt: 'Deepgram speech-to-text',
  tts: 'OpenAI text-to-speech',
  livekit: 'LiveKit',
};

export function providerName(provider: Provider, keys?: ProviderKeys): string {
  if (provider === 'llm' && keys) return `${BARE_NAMES.llm} (${providerHost('llm', keys)})`;
  if (provider === 'tts' && keys?.ttsProvider === 'deepgram') return 'Deepgram text-to-speech';
  // The user's own speech server is not OpenAI's.
  if (provider === 'tts' && keys?.ttsBaseUrl) return 'Text-to-speech';
  return BARE_NAMES[provider];
}

const URL_NAMES: Readonly<Record<Provider, string>> = {
  llm: 'The LLM base URL',
  stt: 'The Deepgram address',
  tts: 'The text-to-speech address',
  livekit: 'The LiveKit URL',
};

/** "a loopback address", "an address reserved for documentation", … */
function addressKind(problem: string): string {
  if (problem.startsWith('reserved for ')) return `an address ${problem}`;
  return `${/^[aeiou]/i.test(problem) ? 'an' : 'a'} ${problem} address`;
}

function refusedMessage(provider: Provider, refused: RefusedAddress, keys?: ProviderKeys): string {
  const advice = addressSetting(provider, keys) ? 'change it in Settings → Keys.' : "check the server's network.";
  const kind = addressKind(refused.problem);
  if (refused.host === refused.address) {
    return `${URL_NAMES[provider]} points to ${kind} (${refused.address}), which cannot be used — ${advice}`;
  }
  return `${URL_NAMES[provider]} points to ${refused.host}, which resolves to ${kind} (${refused.address}) that cannot be used — ${advice}`;
}

export interface FailureContext {
  /** A lower-level network error seen for the same call (the SDK's own error may have dropped it). */
  cause?: unknown;
}

export function describeFailure(provider: Provider, error: unknown, keys?: ProviderKeys, context: FailureContext = {}): ProviderFailure {
  const name = providerName(provider, keys);
  const status = statusOf(error);
  const refused = refusedAddress(error, context.cause);
  let message: string;
  if (refused) {
    message = refusedMessage(provider, refused, keys);
  } else if (status === 401 || status === 403) {
    message = `${name} rejected the key — check Settings → Keys.`;
  } else if (status === 404 && provider === 'llm') {
    message = `${name} does not offer the model "${keys?.llmModel ?? ''}" — check the model and base URL in Settings → Keys.`;
  } else if (status === 429) {
    message = `${name} refused the request (HTTP 429: rate limit or no credit left) — check your plan with the provider.`;
  } else if (status !== undefined && status >= 500) {
    message = `${name} answered HTTP ${status} (a problem on the provider's side) — try again in a moment.`;
  } else if (status !== undefined) {
    const advice =
      provider === 'llm'
        ? 'check the model and base URL in Settings → Keys.'
        : provider === 'tts' && keys?.ttsProvider === 'openai'
          ? 'check the speech model, voice and base URL in Settings → Keys.'
          : 'try again in a moment.';
    message = `${name} refused the request (HTTP ${status}) — ${advice}`;
  } else if (looksUnreachable(error)) {
    const host = providerHost(provider, keys);
    const reason = unreachableReason(error, context.cause);
    const setting = addressSetting(provider, keys);
    const advice = setting ? `check the ${setting} in Settings → Keys.` : "check the server's network and try again.";
    const bare = provider === 'tts' ? providerName('tts', keys) : BARE_NAMES[provider];
    message = `${bare} could not be reached${host ? ` at ${host}` : ''}${reason ? ` (${reason})` : ''} — ${advice}`;
  } else {
    message = `${name} failed — try again in a moment.`;
  }
  return { provider, message };
}

export function missingKey(provider: Provider, keys?: ProviderKeys): ProviderFailure {
  return { provider, message: `${providerName(provider, keys)} has no key — add one in Settings → Keys.` };
}

/** Thrown while building the pipeline; carries the sentence to show. */
export class ProviderError extends Error {
  readonly failure: ProviderFailure;

  constructor(failure: ProviderFailure) {
    super(failure.message);
    this.name = 'ProviderError';
    this.failure = failure;
  }
}
