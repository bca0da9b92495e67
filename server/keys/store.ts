import { type Database, type Queryable, withUser } from '../db/database.ts';
import { UnreadableSecret, type Vault } from '../crypto/vault.ts';
import { staleKeyTestsRemoval, type KeyTests } from './key-tests.ts';
import { SECRET_FIELDS, SETTING_FIELDS, type SaveKeysInput, type SecretField, type SettingField } from './schema.ts';

/** Secrets as Fernet tokens; settings as they were saved. */
export type KeysRow = Record<SecretField | SettingField, string | null> & {
  tts_provider: 'openai' | 'deepgram';
  key_updated_at: Partial<Record<SecretField, string>>;
  key_tests: KeyTests;
  updated_at: Date;
};

/** The user's keys in plaintext: only for their own key test or interview, never stored or logged. */
export type OpenedKeys = Partial<Record<SecretField, string>> & Partial<Record<SettingField, string>> & {
  tts_provider: 'openai' | 'deepgram';
};

const COLUMNS = `${SECRET_FIELDS.join(', ')}, ${SETTING_FIELDS.join(', ')}, tts_provider, key_updated_at, key_tests, updated_at`;

export async function loadKeysRow(tx: Queryable, userId: string): Promise<KeysRow | undefined> {
  const { rows } = await tx.query<KeysRow>(`select ${COLUMNS} from public.user_api_keys where user_id = $1`, [userId]);
  return rows[0];
}

/**
 * Seals each secret in `input` and merges it into the user's row (created on first save):
 * fields left out are kept, an empty string clears a field. Runs as the user (RLS).
 */
export async function saveKeys(db: Database, userId: string, input: SaveKeysInput, vault: Vault): Promise<KeysRow> {
  return withUser(db, userId, async (tx) => {
    await tx.query(
      `insert into public.user_api_keys (user_id) values ($1) on conflict (user_id) do nothing`,
      [userId],
    );
    const sets: string[] = [];
    const params: unknown[] = [userId];
    const stamped: Partial<Record<SecretField, string>> = {};
    const now = new Date().toISOString();
    for (const field of SECRET_FIELDS) {
      const value = input[field];
      if (value === undefined) continue;
      params.push(value === '' ? null : vault.seal(value));
      sets.push(`${field} = $${params.length}`);
      stamped[field] = now;
    }
    for (const field of SETTING_FIELDS) {
      const value = input[field];
      if (value === undefined) continue;
      params.push(value === '' ? null : value);
      sets.push(`${field} = $${params.length}`);
    }
    if (input.tts_provider !== undefined) {
      params.push(input.tts_provider);
      sets.push(`tts_provider = $${params.length}`);
    }
    params.push(JSON.stringify(stamped));
    sets.push(`key_updated_at = key_updated_at || $${params.length}::jsonb`, 'updated_at = now()');
    const stale = staleKeyTestsRemoval(input, params.length + 1);
    if (stale) {
      params.push(stale.value);
      sets.push(stale.sql);
    }
    const { rows } = await tx.query<KeysRow>(
      `update public.user_api_keys set ${sets.join(', ')} where user_id = $1 returning ${COLUMNS}`,
      params,
    );
    return rows[0]!;
  });
}

export async function deleteKeys(db: Database, userId: string): Promise<boolean> {
  const { rowCount } = await withUser(db, userId, (tx) => tx.query('delete from public.user_api_keys where user_id = $1', [userId]));
  return rowCount > 0;
}

/** Opens every sealed field; throws UnreadableSecret when any cannot be opened. */
export function openKeys(row: KeysRow | undefined, vault: Vault): OpenedKeys {
  const { opened, unreadable } = openEachKey(row, vault);
  if (unreadable.size > 0) throw new UnreadableSecret();
  return opened;
}

/** Opens each sealed field once: those no configured key opens are left out and named. */
export function openEachKey(row: KeysRow | undefined, vault: Vault): { opened: OpenedKeys; unreadable: Set<SecretField> } {
  const opened: OpenedKeys = { tts_provider: row?.tts_provider ?? 'openai' };
  const unreadable = new Set<SecretField>();
  if (!row) return { opened, unreadable };
  for (const field of SECRET_FIELDS) {
    const token = row[field];
    if (!token) continue;
    try {
      opened[field] = vault.open(token);
    } catch (err) {
      if (!(err instanceof UnreadableSecret)) throw err;
      unreadable.add(field);
    }
  }
  Object.assign(opened, savedSettings(row));
  return { opened, unreadable };
}

/** The settings a row holds, leaving out those not set. */
export function savedSettings(row: KeysRow): Partial<Record<SettingField, string>> {
  const settings: Partial<Record<SettingField, string>> = {};
  for (const field of SETTING_FIELDS) {
    const value = row[field];
    if (value) settings[field] = value;
  }
  return settings;
}

/** The user's keys, opened, for their own interview or key test. */
export async function readUserKeys(db: Database, userId: string, vault: Vault): Promise<OpenedKeys> {
  const row = await withUser(db, userId, (tx) => loadKeysRow(tx, userId));
  return openKeys(row, vault);
}

export { UnreadableSecret };
