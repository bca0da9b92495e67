import type { KeyTest, TestedProvider } from '../keys/key-tests.ts';
import { OPENAI_VOICE_FIX, OPENAI_VOICE_PROBLEM, openAiVoiceCannotSpeak } from '../../shared/providers.ts';
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
  /** What voice lacks, each named ("LiveKit keys", "a speech key for the OpenAI voice"); empty when nothing. */
  voiceMissing: string[];
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
  const livekitSet = Boolean(row?.livekit_url && row.livekit_api_key && row.livekit_api_secret);
  const missingKeys = [...(livekitSet ? [] : ['LiveKit']), ...(row?.deepgram_key ? [] : ['Deepgram'])];
  const openAiVoice = row?.tts_provider !== 'deepgram';
  const voiceCannotSpeak = missingKeys.length === 0 && openAiVoiceCannotSpeak(row);
  const voiceMissing = [
    ...(llmReady ? [] : ['a language-model key']),
    ...(livekitSet ? [] : ['LiveKit keys']),
    ...(row?.deepgram_key ? [] : ['a Deepgram key']),
    ...(voiceCannotSpeak ? ['a speech key for the OpenAI voice'] : []),
  ];
  let voiceProblem: string | null = null;
  if (missingKeys.length > 0) voiceProblem = `Voice needs ${missingKeys.join(' and ')} keys — add them in Settings → Keys.`;
  else if (voiceCannotSpeak) voiceProblem = `${OPENAI_VOICE_PROBLEM} — in Settings → Keys, ${OPENAI_VOICE_FIX}.`;
  const textFailedTest = failed(row?.key_tests, ['llm']);
  const voiceFailedTest = failed(row?.key_tests, ['llm', 'livekit', 'deepgram', ...(openAiVoice ? (['speech'] as const) : [])]);
  return {
    llmReady,
    voiceProblem,
    voiceMissing,
    textFailedTest,
    voiceFailedTest,
    textReady: llmReady && !textFailedTest,
    voiceReady: llmReady && !voiceProblem && !voiceFailedTest,
  };
}
