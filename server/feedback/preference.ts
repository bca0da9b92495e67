import { withUser, type Database, type Queryable } from '../db/database.ts';

// Whether the user wants feedback written as soon as an interview ends (user_api_keys, on by default).

export async function wantsFeedbackAfterInterview(tx: Queryable, userId: string): Promise<boolean> {
  const { rows } = await tx.query<{ on: boolean }>('select feedback_after_interview as on from public.user_api_keys where user_id = $1', [userId]);
  return rows[0]?.on ?? true;
}

export async function setFeedbackAfterInterview(db: Database, userId: string, on: boolean): Promise<void> {
  await withUser(db, userId, (tx) =>
    tx.query(
      `insert into public.user_api_keys (user_id, feedback_after_interview) values ($1, $2)
       on conflict (user_id) do update set feedback_after_interview = excluded.feedback_after_interview`,
      [userId, on],
    ),
  );
}
