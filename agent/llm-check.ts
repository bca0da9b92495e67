// The start-up check of the user's language model: one GET /models with their key, before the
// interviewer says anything. Light on purpose (node built-ins and the network guard only): the
// child starts it the moment `start` arrives, so on a cold start the provider's round trip
// overlaps loading the agent's code instead of following it.

import { refusedAddress } from './errors.ts';
import { guardedFetch } from '../shared/guarded-fetch.ts';
import type { Resolver } from '../shared/net-guard.ts';
import type { ProviderKeys } from './protocol.ts';

/** OpenAI's own API, where the openai SDK goes when no base URL is given. */
export const OPENAI_BASE_URL = 'https://api.openai.com/v1';

/** How long the check waits for the LLM before calling it unreachable (the parent waits 15 s for `ready`). */
export const LLM_CHECK_TIMEOUT_MS = 8000;

/** What the check found: the key was refused, the address is not allowed, or nothing answered there. */
export interface ConnectionProblem {
  kind: 'key_rejected' | 'disallowed' | 'unreachable';
  error: unknown;
}

export interface LlmCheckOptions {
  timeoutMs?: number;
  /** Stops the check; it then reports nothing. */
  signal?: AbortSignal;
  /** Loopback is refused only in production; defaults to NODE_ENV === 'production'. */
  production?: boolean;
  /** Tests inject their own DNS answers; defaults to the system resolver. */
  resolve?: Resolver;
  /** The fetch to go through (the model's own, so its last network error is kept); a guarded one by default. */
  fetch?: typeof fetch;
}

/**
 * Resolves once GET {base}/models has answered, failed or timed out; with a problem only when the
 * key was refused, the address is not allowed, or nothing answered. Any other answer (a server
 * without /models, a 5xx) means the address is right: the interview starts, and a model call that
 * fails is reported then.
 */
export async function checkLlmConnection(keys: ProviderKeys, options: LlmCheckOptions = {}): Promise<ConnectionProblem | undefined> {
  const production = options.production ?? process.env.NODE_ENV === 'production';
  const send = options.fetch ?? guardedFetch({ production, resolve: options.resolve });
  const timeout = AbortSignal.timeout(options.timeoutMs ?? LLM_CHECK_TIMEOUT_MS);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  const base = (keys.llmBaseUrl ?? OPENAI_BASE_URL).replace(/\/+$/, '');
  try {
    const response = await send(`${base}/models`, {
      headers: { authorization: `Bearer ${keys.llmApiKey}`, accept: 'application/json' },
      signal,
    });
    await response.body?.cancel().catch(() => undefined);
    if (response.status === 401 || response.status === 403) return { kind: 'key_rejected', error: { status: response.status } };
    return undefined;
  } catch (error) {
    if (options.signal?.aborted) return undefined;
    if (timeout.aborted) return { kind: 'unreachable', error: new Error('The request timed out.', { cause: error }) };
    if (refusedAddress(error)) return { kind: 'disallowed', error };
    // No HTTP answer came back at all.
    return { kind: 'unreachable', error };
  }
}
