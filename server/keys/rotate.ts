import type { Database } from '../db/database.ts';
import { UnreadableSecret, type Vault } from '../crypto/vault.ts';
import { SECRET_FIELDS } from './schema.ts';

export interface RotationReport {
  rows: number;
  /** Fields re-sealed under the first key by this run. */
  resealed: number;
  /** Fields already sealed under the first key. */
  current: number;
  /** Rows with a field no configured key opens: their owners must re-enter keys. */
  unreadableRows: number;
}

/**
 * Re-seals every saved key under the first ENCRYPTION_KEY, row by row, each row in its own
 * transaction. Safe to run again: fields already under the first key are left as they are.
 * Runs as the database owner (an operator task across all users), not through RLS.
 */
export async function rotateAllKeys(db: Database, vault: Vault): Promise<RotationReport> {
  const report: RotationReport = { rows: 0, resealed: 0, current: 0, unreadableRows: 0 };
  const { rows } = await db.query<{ id: string }>('select id from public.user_api_keys order by id');
  for (const { id } of rows) {
    report.rows++;
    await db.transaction(async (tx) => {
      const { rows: locked } = await tx.query<Record<string, string | null>>(
        `select ${SECRET_FIELDS.join(', ')} from public.user_api_keys where id = $1 for update`,
        [id],
      );
      const row = locked[0];
      if (!row) return;
      const updates: Record<string, string> = {};
      let unreadable = false;
      for (const field of SECRET_FIELDS) {
        const token = row[field];
        if (!token) continue;
        try {
          const next = vault.reseal(token);
          if (next === token) report.current++;
          else updates[field] = next;
        } catch (err) {
          if (!(err instanceof UnreadableSecret)) throw err;
          unreadable = true;
        }
      }
      if (unreadable) report.unreadableRows++;
      const fields = Object.keys(updates);
      if (fields.length === 0) return;
      const sets = fields.map((f, i) => `${f} = $${i + 2}`).join(', ');
      await tx.query(`update public.user_api_keys set ${sets} where id = $1`, [id, ...fields.map((f) => updates[f])]);
      report.resealed += fields.length;
    });
  }
  return report;
}
