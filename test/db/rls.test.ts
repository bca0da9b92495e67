import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asAnon, withUser, type Database, type Queryable } from '../../server/db/database.ts';
import { createUser, databaseKinds, type TestDatabase } from '../helpers/databases.ts';

// Row-level security decides what each user can touch; these run as the app does (withUser).

async function expectDenied(tx: Queryable, sql: string, params: unknown[]): Promise<void> {
  // A failed statement aborts the transaction, so try it inside a savepoint.
  await tx.query('savepoint attempt');
  await expect(tx.query(sql, params)).rejects.toThrow(/row-level security|permission denied/);
  await tx.query('rollback to savepoint attempt');
}

describe.each(databaseKinds)('row-level security on $name', (kind) => {
  let handle: TestDatabase;
  let db: Database;
  let alice: string;
  let bob: string;
  const rows: Record<string, { alice: string; bob: string }> = {};

  beforeAll(async () => {
    handle = await kind.open();
    db = handle.db;
    alice = await createUser(db);
    bob = await createUser(db);
    for (const [owner, name] of [
      [alice, 'alice'],
      [bob, 'bob'],
    ] as const) {
      await withUser(db, owner, async (tx) => {
        const key = await tx.query<{ id: string }>(
          'insert into user_api_keys (user_id, openai_key) values ($1, $2) returning id',
          [owner, `token-of-${name}`],
        );
        const interview = await tx.query<{ id: string }>(
          'insert into interviews (user_id, candidate_name, job_role) values ($1, $2, $3) returning id',
          [owner, name, 'Engineer'],
        );
        const feedback = await tx.query<{ id: string }>(
          'insert into feedback (user_id, interview_id, feedback_data) values ($1, $2, $3) returning id',
          [owner, interview.rows[0]!.id, { overall: 3 }],
        );
        (rows.user_api_keys ??= { alice: '', bob: '' })[name] = key.rows[0]!.id;
        (rows.interviews ??= { alice: '', bob: '' })[name] = interview.rows[0]!.id;
        (rows.feedback ??= { alice: '', bob: '' })[name] = feedback.rows[0]!.id;
      });
    }
  });

  afterAll(async () => {
    await handle?.dispose();
  });

  describe.each(['user_api_keys', 'interviews', 'feedback'])('%s', (table) => {
    it('shows a user only their own rows', async () => {
      const seen = await withUser(db, alice, (tx) => tx.query<{ id: string }>(`select id from ${table}`));
      expect(seen.rows.map((r) => r.id)).toEqual([rows[table]!.alice]);
      const direct = await withUser(db, alice, (tx) => tx.query(`select id from ${table} where id = $1`, [rows[table]!.bob]));
      expect(direct.rows).toHaveLength(0);
    });

    it("does not let a user update another user's row", async () => {
      const result = await withUser(db, alice, (tx) =>
        tx.query(`update ${table} set created_at = now() - interval '1 day' where id = $1`, [rows[table]!.bob]),
      );
      expect(result.rowCount).toBe(0);
      const after = await db.query<{ created_at: Date }>(`select created_at from ${table} where id = $1`, [rows[table]!.bob]);
      expect(Date.now() - new Date(after.rows[0]!.created_at).getTime()).toBeLessThan(60 * 60 * 1000);
    });

    it("does not let a user take over another user's row", async () => {
      await withUser(db, alice, async (tx) => {
        await tx.query('savepoint attempt');
        const moved = await tx.query(`update ${table} set user_id = $1 where id = $2`, [bob, rows[table]!.alice]).catch((e: Error) => e);
        if (moved instanceof Error) expect(moved.message).toMatch(/row-level security/);
        else expect.unreachable('moving a row to another owner must be refused');
        await tx.query('rollback to savepoint attempt');
      });
    });

    it("does not let a user delete another user's row", async () => {
      const result = await withUser(db, alice, (tx) => tx.query(`delete from ${table} where id = $1`, [rows[table]!.bob]));
      expect(result.rowCount).toBe(0);
      const still = await db.query(`select 1 from ${table} where id = $1`, [rows[table]!.bob]);
      expect(still.rows).toHaveLength(1);
    });

    it('shows anon nothing', async () => {
      const seen = await asAnon(db, async (tx) => {
        await tx.query('savepoint attempt');
        const result = await tx.query(`select id from ${table}`).catch((e: Error) => e);
        await tx.query('rollback to savepoint attempt');
        return result;
      });
      // Either no privilege at all or no visible rows: anon must never read data.
      if (seen instanceof Error) expect(seen.message).toMatch(/permission denied/);
      else expect(seen.rows).toHaveLength(0);
    });
  });

  it('refuses to insert rows owned by someone else', async () => {
    await withUser(db, alice, async (tx) => {
      await expectDenied(tx, 'insert into interviews (user_id, candidate_name) values ($1, $2)', [bob, 'x']);
      await expectDenied(tx, 'insert into user_api_keys (user_id) values ($1)', [bob]);
      await expectDenied(tx, 'insert into feedback (user_id, interview_id, feedback_data) values ($1, $2, $3)', [
        bob,
        rows.interviews!.bob,
        {},
      ]);
      // Feedback owned by alice but attached to bob's interview is refused too.
      await expectDenied(tx, 'insert into feedback (user_id, interview_id, feedback_data) values ($1, $2, $3)', [
        alice,
        rows.interviews!.bob,
        {},
      ]);
    });
  });

  it('deletes every row a user owns when the user is deleted', async () => {
    const carol = await createUser(db);
    await withUser(db, carol, async (tx) => {
      await tx.query('insert into user_api_keys (user_id) values ($1)', [carol]);
      const i = await tx.query<{ id: string }>('insert into interviews (user_id, candidate_name) values ($1, $2) returning id', [carol, 'c']);
      await tx.query('insert into feedback (user_id, interview_id, feedback_data) values ($1, $2, $3)', [carol, i.rows[0]!.id, {}]);
    });
    await db.query('delete from auth.users where id = $1', [carol]);
    for (const table of ['user_api_keys', 'interviews', 'feedback']) {
      const left = await db.query(`select 1 from ${table} where user_id = $1`, [carol]);
      expect(left.rows, table).toHaveLength(0);
    }
  });

  it('refuses a malformed user id before touching the database', async () => {
    await expect(withUser(db, "x' or 1=1 --", async () => 1)).rejects.toThrow(/uuid/);
  });
});
