import { z } from 'zod';
import { hasControlCharacters } from '../db/storable-text.ts';

export { SECRET_FIELDS, type SecretField } from '../../shared/api.ts';

/** The user's endpoints and names: not secret, stored as they are. */
export const SETTING_FIELDS = ['llm_base_url', 'llm_model', 'deepgram_base_url', 'tts_base_url', 'tts_model', 'tts_voice'] as const;
export type SettingField = (typeof SETTING_FIELDS)[number];

const value = z
  .string({ message: 'must be text' })
  .trim()
  .max(512, { message: 'must be at most 512 characters' })
  .refine((v) => !hasControlCharacters(v), { message: 'contains an invisible control character (such as NUL): paste it again from the source' });

// A key is one token: pasting with a line break or a space in the middle is a mistake.
const key = value.refine((v) => !/\s/.test(v), { message: 'must not contain spaces or line breaks' });

const url = (example: string) => value.refine((v) => v === '' || URL.canParse(v), { message: `must be a full URL, e.g. ${example}` });

// Model and voice names go into a provider's request as they are: a name, not a sentence.
const name = (example: string) => value.refine((v) => /^[\w.:/@+()-]*$/.test(v), { message: `must be a ${example}` });

/**
 * PUT /api/keys: any subset. An empty string clears that field; a field left out is kept.
 * The provider choices are not secrets and are stored as they are.
 */
export const SaveKeys = z
  .object({
    livekit_url: url('wss://your-project.livekit.cloud'),
    livekit_api_key: key,
    livekit_api_secret: key,
    openai_key: key,
    deepgram_key: key,
    llm_base_url: url('https://api.example.com/v1'),
    llm_model: value.refine((v) => /^[\w.:/@+-]*$/.test(v), { message: 'must be a model name such as gpt-4o-mini' }),
    tts_provider: z.enum(['openai', 'deepgram'], { message: 'must be "openai" or "deepgram"' }),
    deepgram_base_url: url('https://deepgram.example.com'),
    tts_base_url: url('https://speech.example.com/v1'),
    tts_model: name('model name such as tts-1'),
    tts_voice: name('voice name such as alloy'),
    tts_key: key,
  })
  .partial()
  .strict();
export type SaveKeysInput = z.infer<typeof SaveKeys>;

/**
 * POST /api/keys/test: values typed but not saved yet; missing ones fall back to the saved keys.
 * The same fields as saving, so the page can send its whole form: llm_model is looked for in the
 * provider's model list, and tts_provider says whether the OpenAI voice's speech is tested.
 */
export const TestKeys = SaveKeys;
