import { withUser, type Database, type Queryable } from '../db/database.ts';
import { orphanedBy } from '../instances/index.ts';
import type { FeedbackData } from './generate.ts';
import { readFeedback, type StoredFeedback } from './stored-feedback.ts';

/** The interview's feedback in whichever shape it was stored; undefined when there is none. */
export async function loadFeedback(tx: Queryable, interviewId: string): Promise<StoredFeedback | undefined> {
  const { rows } = await tx.query<{ feedback_data: unknown }>('select feedback_data from public.feedback where interview_id = $1', [interviewId]);
  return rows[0] ? readFeedback(rows[0].feedback_data) : undefined;
}

/** One feedback per interview, replaced on regenerate; written as the owner (RLS). */
export async function saveFeedback(db: Database, userId: string, interviewId: string, data: FeedbackData): Promise<void> {
  await withUser(db, userId, async (tx) => {
    await tx.query(
      `insert into public.feedback (interview_id, user_id, feedback_data) values ($1, $2, $3)
       on conflict (interview_id) do update set feedback_data = excluded.feedback_data, created_at = now()`,
      [interviewId, userId, JSON.stringify(data)],
    );
    await tx.query(`update public.interviews set feedback_status = null, feedback_error = null where id = $1`, [interviewId]);
  });
}

export async function setFeedbackStatus(
  db: Database,
  userId: string,
  interviewId: string,
  status: 'generating' | 'failed',
  error: string | null = null,
  instanceId: string | null = null,
): Promise<void> {
  await withUser(db, userId, (tx) =>
    tx.query(`update public.interviews set feedback_status = $2, feedback_error = $3, feedback_instance_id = $4 where id = $1`, [
      interviewId,
      status,
      error,
      instanceId,
    ]),
  );
}

/**
 * Marks the interview's feedback as being written by this process, unless another is writing it
 * already (a web instance's "Generate" beside the runner's own after the end): false then.
 */
export async function claimFeedback(db: Database, userId: string, interviewId: string, instanceId: string | null): Promise<boolean> {
  const { rowCount } = await withUser(db, userId, (tx) =>
    tx.query(
      `update public.interviews set feedback_status = 'generating', feedback_error = null, feedback_instance_id = $2
        where id = $1 and feedback_status is distinct from 'generating'`,
      [interviewId, instanceId],
    ),
  );
  return rowCount > 0;
}

/**
 * Generations whose server process stopped would say "generating" forever: marked failed once
 * that process's lease has run out (a process still running is still writing its own).
 */
export async function failInterruptedFeedback(db: Database, leaseMs: number): Promise<number> {
  const { rowCount } = await db.query(
    `update public.interviews set feedback_status = 'failed',
            feedback_error = 'Feedback generation was interrupted by a server restart. Generate it again.'
      where feedback_status = 'generating' and ${orphanedBy('feedback_instance_id')}`,
    [leaseMs / 1000],
  );
  return rowCount;
}
