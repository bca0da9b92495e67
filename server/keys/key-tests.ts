import type { Queryable } from '../db/database.ts';
import type { CheckResult, ProviderCheckResults } from './checks.ts';
import type { SaveKeysInput } from './schema.ts';

// The last "Test keys" result per provider, kept for the saved keys only (user_api_keys.key_tests).

export type TestedProvider = keyof ProviderCheckResults;

export interface KeyTest {
  ok: boolean;
  message: string;
  /** ISO time of the test. */
  at: string;
}

export type KeyTests = Partial<Record<TestedProvider, KeyTest>>;

/** What each provider's check uses: saving any of these makes its last result stale. */
export const TESTED_FIELDS: Record<TestedProvider, readonly (keyof SaveKeysInput)[]> = {
  livekit: ['livekit_url', 'livekit_api_key', 'livekit_api_secret'],
  llm: ['openai_key', 'llm_base_url', 'llm_model'],
  deepgram: ['deepgram_key', 'deepgram_base_url'],
  // The OpenAI voice may speak with the language-model key.
  speech: ['tts_provider', 'tts_base_url', 'tts_model', 'tts_voice', 'tts_key', 'openai_key', 'llm_base_url'],
};

export const TESTED_PROVIDERS = Object.keys(TESTED_FIELDS) as TestedProvider[];

/** The providers whose check read anything of `input`. */
export function providersTouchedBy(input: Partial<SaveKeysInput>): TestedProvider[] {
  return TESTED_PROVIDERS.filter((provider) => TESTED_FIELDS[provider].some((field) => input[field] !== undefined));
}

/**
 * Keeps the results of the providers tested with exactly their saved keys (nothing typed for
 * them), and only real checks: a provider with nothing to test keeps no result.
 */
export async function recordKeyTests(tx: Queryable, userId: string, results: ProviderCheckResults, typed: Partial<SaveKeysInput>, now = new Date()): Promise<void> {
  const kept: KeyTests = {};
  for (const provider of TESTED_PROVIDERS) {
    const result: CheckResult = results[provider];
    if (result.notSet || providersTouchedBy(typed).includes(provider)) continue;
    kept[provider] = { ok: result.ok, message: result.message, at: now.toISOString() };
  }
  if (Object.keys(kept).length === 0) return;
  await tx.query('update public.user_api_keys set key_tests = key_tests || $2::jsonb where user_id = $1', [userId, JSON.stringify(kept)]);
}

/** The SQL expression that removes the results `input` makes stale, for saveKeys' update. */
export function staleKeyTestsRemoval(input: Partial<SaveKeysInput>, param: number): { sql: string; value: string[] } | undefined {
  const stale = providersTouchedBy(input);
  return stale.length === 0 ? undefined : { sql: `key_tests = key_tests - $${param}::text[]`, value: stale };
}
