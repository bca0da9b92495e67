// Turns provider failures into one plain sentence for the candidate. Provider error texts are
// never passed through: they can echo key fragments, URLs with tokens, or request bodies.

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

function looksUnreachable(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && typeof e === 'object' && depth < 4; depth++) {
    const candidate = e as { name?: unknown; code?: unknown; message?: unknown; cause?: unknown; error?: unknown };
    const text = `${String(candidate.name ?? '')} ${String(candidate.code ?? '')} ${String(candidate.message ?? '')}`;
    if (/ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|ECONNRESET|Connection error|APIConnectionError|APITimeoutError|timed out|fetch failed/i.test(text)) {
      return true;
    }
    e = candidate.error ?? candidate.cause;
  }
  return false;
}

function hostOf(url: string | undefined): string {
  if (!url) return 'api.openai.com';
  try {
    return new URL(url).host;
  } catch {
    return 'the configured address';
  }
}

export function providerName(provider: Provider, keys?: ProviderKeys): string {
  switch (provider) {
    case 'llm':
      return keys ? `The LLM provider (${hostOf(keys.llmBaseUrl)})` : 'The LLM provider';
    case 'stt':
      return 'Deepgram speech-to-text';
    case 'tts':
      return keys?.ttsProvider === 'deepgram' ? 'Deepgram text-to-speech' : 'OpenAI text-to-speech';
    case 'livekit':
      return 'LiveKit';
  }
}

export function describeFailure(provider: Provider, error: unknown, keys?: ProviderKeys): ProviderFailure {
  const name = providerName(provider, keys);
  const status = statusOf(error);
  let message: string;
  if (status === 401 || status === 403) {
    message = `${name} rejected the key — check Settings → Keys.`;
  } else if (status === 404 && provider === 'llm') {
    message = `${name} does not offer the model "${keys?.llmModel ?? ''}" — check the model and base URL in Settings → Keys.`;
  } else if (status === 429) {
    message = `${name} refused the request (rate limit or no credit left) — check your plan with the provider.`;
  } else if (looksUnreachable(error)) {
    message =
      provider === 'llm'
        ? `${name} could not be reached — check the base URL in Settings → Keys.`
        : `${name} could not be reached — check the server's network and try again.`;
  } else {
    message = `${name} failed${status ? ` (HTTP ${status})` : ''} — try again in a moment.`;
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
