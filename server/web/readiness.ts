import type { KeyTest, TestedProvider } from '../keys/key-tests.ts';
import { OPENAI_VOICE_PROBLEM, openAiVoiceKey } from '../keys/providers.ts';
import type { KeysRow } from '../keys/store.ts';
import { dateText } from './history-view.ts';

// Which interview modes the saved keys can run, for the dashboard and the start form: keys that
// are missing make a mode unavailable; a provider that failed its last "Test keys" (with the keys
// still saved as tested) makes it doubtful, said with when and why.

const PROVIDER_NAMES: Record<TestedProvider, string> = {
  livekit: 'LiveKit',
  llm: 'The language model',
  deepgram: 'Deepgram',
  speech: 'The OpenAI voice',
};

/** A failed last test, said as the page shows it; the time goes in a <time> the page shows in local time. */
export interface FailedTest {
  text: string;
  at: string;
  atText: string;
}

export interface ModeReadiness {
  llmReady: boolean;
  /** Why voice cannot start (keys missing); null when it can. */
  voiceProblem: string | null;
  /** The failed last tests of the providers text or voice use. */
  textFailedTest: FailedTest | null;
  voiceFailedTest: FailedTest | null;
  /** The keys are there and none of their providers failed its last test. */
  textReady: boolean;
  voiceReady: boolean;
}

function failed(tests: KeysRow['key_tests'] | undefined, providers: TestedProvider[]): FailedTest | null {
  for (const provider of providers) {
    const test: KeyTest | undefined = tests?.[provider];
    if (test && !test.ok) return { text: `${PROVIDER_NAMES[provider]} did not work in the last key test: ${test.message}`, at: test.at, atText: dateText(test.at) };
  }
  return null;
}

export function modeReadiness(row: KeysRow | undefined): ModeReadiness {
  const llmReady = Boolean(row?.openai_key);
  const missing: string[] = [];
  if (!row?.livekit_url || !row.livekit_api_key || !row.livekit_api_secret) missing.push('LiveKit');
  if (!row?.deepgram_key) missing.push('Deepgram');
  const openAiVoice = row?.tts_provider !== 'deepgram';
  let voiceProblem: string | null = null;
  if (missing.length > 0) {
    voiceProblem = `Voice needs ${missing.join(' and ')} keys — add them in Settings → Keys.`;
  } else if (openAiVoice && !openAiVoiceKey(row ?? {})) {
    voiceProblem = `${OPENAI_VOICE_PROBLEM} — add a speech key or your own speech server, or choose the Deepgram voice, in Settings → Keys.`;
  }
  const textFailedTest = failed(row?.key_tests, ['llm']);
  const voiceFailedTest = failed(row?.key_tests, ['llm', 'livekit', 'deepgram', ...(openAiVoice ? (['speech'] as const) : [])]);
  return {
    llmReady,
    voiceProblem,
    textFailedTest,
    voiceFailedTest,
    textReady: llmReady && !textFailedTest,
    voiceReady: llmReady && !voiceProblem && !voiceFailedTest,
  };
}
