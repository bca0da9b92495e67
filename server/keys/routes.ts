import type { KeyTestResults } from '../../shared/api.ts';
import { Router, type RequestHandler } from 'express';
import { currentUser, requireUser } from '../auth/index.ts';
import type { Vault } from '../crypto/vault.ts';
import { withUser, type Database } from '../db/database.ts';
import { inputOf, validate } from '../http/validate.ts';
import { testProviderKeys, type CheckResult, type ProviderCheckResults } from './checks.ts';
import { withHostsAllowed, withUrlForms } from './input.ts';
import { recordKeyTests } from './key-tests.ts';
import { presentKeys } from './presenter.ts';
import { DEFAULT_LLM_BASE_URL, defaultModelFor } from '../../shared/providers.ts';
import { SaveKeys, SECRET_FIELDS, SETTING_FIELDS, TestKeys, type SaveKeysInput, type SecretField, type SettingField } from './schema.ts';
import { deleteKeys, loadKeysRow, openEachKey, saveKeys, type OpenedKeys } from './store.ts';
import type { Resolver } from '../../shared/net-guard.ts';

export interface KeysRoutesDeps {
  db: Database;
  vault: Vault;
  production: boolean;
  deepgramBaseUrl: string;
  keyTestLimit: RequestHandler[];
  /** Per-provider timeout of "Test keys". */
  checkTimeoutMs?: number;
  /** Host name resolver for user URLs; the system's by default. */
  resolve?: Resolver;
  /** How long saving waits for a host name lookup (5 s by default). */
  lookupTimeoutMs?: number;
}

export function keysRouter(deps: KeysRoutesDeps): Router {
  const { db, vault, production, resolve } = deps;
  const router = Router();
  // Saving looks the hosts up; "Test keys" leaves that to each provider's check, on its own clock.
  const saving = withHostsAllowed(withUrlForms(SaveKeys, production), { production, resolve, lookupTimeoutMs: deps.lookupTimeoutMs });
  const testing = withUrlForms(TestKeys, production);

  router.get('/api/keys', requireUser, async (req, res) => {
    const { id } = currentUser(req);
    const row = await withUser(db, id, (tx) => loadKeysRow(tx, id));
    res.set('Cache-Control', 'no-store').json(presentKeys(row, vault));
  });

  router.put('/api/keys', requireUser, validate(saving), async (req, res) => {
    const { id } = currentUser(req);
    const row = await saveKeys(db, id, inputOf(res, saving), vault);
    res.json(presentKeys(row, vault));
  });

  router.delete('/api/keys', requireUser, async (req, res) => {
    await deleteKeys(db, currentUser(req).id);
    res.json(presentKeys(undefined, vault));
  });

  router.post('/api/keys/test', requireUser, ...deps.keyTestLimit, validate(testing), async (req, res) => {
    const { id } = currentUser(req);
    const typed = inputOf(res, testing);
    const row = await withUser(db, id, (tx) => loadKeysRow(tx, id));
    const { opened: saved, unreadable } = openEachKey(row, vault);
    const typedValue = (field: keyof SaveKeysInput) => typed[field] as string | undefined;
    // An empty key field keeps the saved key; a setting sent empty is the default, as saving it would make it.
    const pick = (field: SecretField | SettingField) =>
      isSetting(field) && typed[field] !== undefined ? typed[field] || undefined : typedValue(field) || saved[field];
    const llmBaseUrl = pick('llm_base_url');
    const ttsProvider = typed.tts_provider ?? saved.tts_provider ?? 'openai';
    // A saved field that cannot be opened (and was not typed again) stops only its own provider's check.
    const needsReentry = (fields: SecretField[]) => fields.filter((f) => unreadable.has(f) && !typedValue(f));
    const reentry: Record<keyof ProviderCheckResults, SecretField[]> = {
      livekit: needsReentry(['livekit_url', 'livekit_api_key', 'livekit_api_secret']),
      llm: needsReentry(['openai_key']),
      deepgram: needsReentry(['deepgram_key']),
      // The OpenAI voice speaks with its own key when there is one, else with the language-model key.
      speech: ttsProvider === 'deepgram' ? [] : needsReentry([unreadable.has('tts_key') || pick('tts_key') ? 'tts_key' : 'openai_key']),
    };
    const results: ProviderCheckResults = await testProviderKeys(
      {
        livekitUrl: pick('livekit_url'),
        livekitApiKey: pick('livekit_api_key'),
        livekitApiSecret: pick('livekit_api_secret'),
        llmBaseUrl,
        llmKey: pick('openai_key'),
        llmModel: pick('llm_model') || defaultModelFor(llmBaseUrl ?? DEFAULT_LLM_BASE_URL),
        deepgramKey: pick('deepgram_key'),
        deepgramBaseUrl: pick('deepgram_base_url'),
        ttsProvider,
        ttsBaseUrl: pick('tts_base_url'),
        ttsModel: pick('tts_model'),
        ttsVoice: pick('tts_voice'),
        ttsKey: pick('tts_key'),
      },
      { production, timeoutMs: deps.checkTimeoutMs, deepgramBaseUrl: deps.deepgramBaseUrl, resolve },
    );
    for (const provider of Object.keys(reentry) as (keyof ProviderCheckResults)[]) {
      if (reentry[provider].length > 0) results[provider] = reentryResult(reentry[provider]);
    }
    if (row) await withUser(db, id, (tx) => recordKeyTests(tx, id, results, differingFromSaved(typed, saved)));
    res.set('Cache-Control', 'no-store').json(results satisfies KeyTestResults);
  });

  return router;
}

/** What the test form sent that is not what is saved: an empty secret keeps the saved one, an empty setting is the default. */
function differingFromSaved(typed: Partial<SaveKeysInput>, saved: Partial<OpenedKeys>): Partial<SaveKeysInput> {
  const differing: Partial<SaveKeysInput> = {};
  for (const field of SECRET_FIELDS) {
    const value = typed[field];
    if (value && value !== saved[field]) differing[field] = value;
  }
  for (const field of SETTING_FIELDS) {
    const value = typed[field];
    if (value !== undefined && (value || undefined) !== (saved[field] || undefined)) differing[field] = value;
  }
  if (typed.tts_provider !== undefined && typed.tts_provider !== (saved.tts_provider ?? 'openai')) differing.tts_provider = typed.tts_provider;
  return differing;
}

function isSetting(field: string): field is SettingField {
  return (SETTING_FIELDS as readonly string[]).includes(field);
}

const FIELD_NAMES: Record<SecretField, string> = {
  livekit_url: 'LiveKit URL',
  livekit_api_key: 'LiveKit API key',
  livekit_api_secret: 'LiveKit API secret',
  openai_key: 'language model key',
  deepgram_key: 'Deepgram key',
  tts_key: 'speech key',
};

/**
 * Opens each saved field on its own for "Test keys": one that no configured key can open is
 * reported (it needs re-entering) without hiding the fields that open.
 */
function reentryResult(fields: SecretField[]): CheckResult {
  const names = fields.map((f) => FIELD_NAMES[f]);
  const list = names.length === 1 ? names[0] : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
  const one = fields.length === 1;
  return {
    ok: false,
    notSet: false,
    ms: 0,
    message:
      `The saved ${list} ${one ? 'needs' : 'need'} re-entering: ${one ? 'it was' : 'they were'} saved under an ` +
      `encryption key this server no longer has. Enter ${one ? 'it' : 'them'} again and save.`,
  };
}
