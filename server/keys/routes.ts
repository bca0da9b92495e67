import { Router, type RequestHandler } from 'express';
import { currentUser, requireUser } from '../auth/require-user.ts';
import type { Vault } from '../crypto/vault.ts';
import { withUser, type Database } from '../db/database.ts';
import { validation } from '../http/errors.ts';
import { testProviderKeys } from './checks.ts';
import { presentKeys } from './presenter.ts';
import { fieldErrors, SaveKeys, TestKeys, type SaveKeysInput } from './schema.ts';
import { deleteKeys, loadKeysRow, openKeys, saveKeys, UnreadableSecret, type OpenedKeys } from './store.ts';
import { checkUserUrl, UnsafeUrlError } from './url-guard.ts';

export interface KeysRoutesDeps {
  db: Database;
  vault: Vault;
  production: boolean;
  deepgramBaseUrl: string;
  keyTestLimit: RequestHandler[];
  /** Per-provider timeout of "Test keys". */
  checkTimeoutMs?: number;
}

export function keysRouter(deps: KeysRoutesDeps): Router {
  const { db, vault, production } = deps;
  const router = Router();

  router.get('/api/keys', requireUser, async (req, res) => {
    const { id } = currentUser(req);
    const row = await withUser(db, id, (tx) => loadKeysRow(tx, id));
    res.set('Cache-Control', 'no-store').json(presentKeys(row, vault));
  });

  router.put('/api/keys', requireUser, async (req, res) => {
    const { id } = currentUser(req);
    const input = await parseWithSafeUrls(SaveKeys, req.body, production);
    const row = await saveKeys(db, id, input, vault);
    res.json(presentKeys(row, vault));
  });

  router.delete('/api/keys', requireUser, async (req, res) => {
    await deleteKeys(db, currentUser(req).id);
    res.json(presentKeys(undefined, vault));
  });

  router.post('/api/keys/test', requireUser, ...deps.keyTestLimit, async (req, res) => {
    const { id } = currentUser(req);
    const typed = await parseWithSafeUrls(TestKeys, req.body ?? {}, production);
    const saved = await savedKeysForTest(db, id, vault);
    const pick = (field: keyof SaveKeysInput & keyof OpenedKeys) => typed[field as keyof typeof typed] || (saved[field] as string | undefined);
    const results = await testProviderKeys(
      {
        livekitUrl: pick('livekit_url'),
        livekitApiKey: pick('livekit_api_key'),
        livekitApiSecret: pick('livekit_api_secret'),
        llmBaseUrl: pick('llm_base_url'),
        llmKey: pick('openai_key'),
        deepgramKey: pick('deepgram_key'),
      },
      { production, timeoutMs: deps.checkTimeoutMs, deepgramBaseUrl: deps.deepgramBaseUrl },
    );
    res.set('Cache-Control', 'no-store').json(results);
  });

  return router;
}

/** Saved keys for "Test keys"; keys no configured key can open count as not saved. */
async function savedKeysForTest(db: Database, userId: string, vault: Vault): Promise<Partial<OpenedKeys>> {
  const row = await withUser(db, userId, (tx) => loadKeysRow(tx, userId));
  try {
    return openKeys(row, vault);
  } catch (err) {
    if (err instanceof UnreadableSecret) return {};
    throw err;
  }
}

/** Validates the body, then checks each user-supplied URL before anything is stored or called. */
async function parseWithSafeUrls<T extends Partial<Record<'livekit_url' | 'llm_base_url', string>>>(
  schema: { safeParse(value: unknown): { success: true; data: T } | { success: false; error: import('zod').ZodError } },
  body: unknown,
  production: boolean,
): Promise<T> {
  const parsed = schema.safeParse(body ?? {});
  if (!parsed.success) throw validation(fieldErrors(parsed.error));
  const fields: Record<string, string> = {};
  const checks: [keyof T & string, 'livekit' | 'llm'][] = [
    ['livekit_url', 'livekit'],
    ['llm_base_url', 'llm'],
  ];
  for (const [field, kind] of checks) {
    const value = parsed.data[field] as string | undefined;
    if (!value) continue;
    try {
      await checkUserUrl(value, { kind, production });
    } catch (err) {
      if (!(err instanceof UnsafeUrlError)) throw err;
      fields[field] = err.message;
    }
  }
  if (Object.keys(fields).length > 0) throw validation(fields);
  return parsed.data;
}
