import type { TranscriptItem, TurnMetrics } from '../../agent/protocol.ts';
import type { EndReason, Patience, Stage } from '../../shared/vocabulary.ts';
import { isUuid, withUser, type Database, type Queryable } from '../db/database.ts';
import { storedScoreSql, scoreOf } from '../feedback/index.ts';
import { conflict } from '../http/errors.ts';
import { orphanedBy } from '../instances/index.ts';
import { readInterviewRow, readSummaryRow } from './stored-interview.ts';

export interface InterviewRow {
  id: string;
  user_id: string;
  candidate_name: string;
  interview_date: Date;
  room_name: string | null;
  /** The server process whose lease covers it: the runner running it, or the web instance waiting for a runner to take it. */
  instance_id: string | null;
  job_role: string | null;
  experience_level: string | null;
  mode: 'voice' | 'text';
  patience: Patience;
  status: 'live' | 'ended';
  conversation: TranscriptItem[];
  total_messages: Record<string, number>;
  stage_events: StageEvent[];
  metrics: TurnMetrics[];
  skipped_stages: Stage[];
  final_stage: Stage | null;
  ended_by: EndReason | null;
  error_message: string | null;
  has_resume: boolean;
  has_jd: boolean;
  created_at: Date;
  started_at: Date;
  ended_at: Date | null;
  feedback_status: 'generating' | 'failed' | null;
  feedback_error: string | null;
  /** What could not be read of this row, one sentence each, for the interview page. */
  problems: string[];
}

export interface StageEvent {
  stage: Stage;
  previous: Stage | null;
  by: 'agent' | 'timer' | 'candidate' | 'start';
  at: number;
}

export interface NewInterview {
  candidateName: string;
  jobRole: string;
  experienceLevel: string;
  mode: 'voice' | 'text';
  roomName: string | null;
  hasResume: boolean;
  hasJd: boolean;
  patience: Patience;
  /** The server process whose child runs it (its lease); none is an orphan at once. */
  instanceId?: string;
}

/** Creates the live interview; the database refuses a second live one for the same user. */
export async function createInterview(db: Database, userId: string, input: NewInterview): Promise<InterviewRow> {
  try {
    return await withUser(db, userId, async (tx) => {
      const { rows } = await tx.query(
        `insert into public.interviews
           (user_id, candidate_name, job_role, experience_level, mode, status, room_name, has_resume, has_jd,
            final_stage, stage_events, patience, instance_id)
         values ($1, $2, $3, $4, $5, 'live', $6, $7, $8, 'welcome', $9, $10, $11)
         returning *`,
        [
          userId,
          input.candidateName,
          input.jobRole,
          input.experienceLevel,
          input.mode,
          input.roomName,
          input.hasResume,
          input.hasJd,
          JSON.stringify([{ stage: 'welcome', previous: null, by: 'start', at: Date.now() }]),
          input.patience,
          input.instanceId ?? null,
        ],
      );
      return readInterviewRow(rows[0]!);
    });
  } catch (err) {
    if ((err as { code?: string }).code === '23505') {
      throw conflict('You already have an interview running. Finish or end it before starting another.');
    }
    throw err;
  }
}

export async function getInterview(tx: Queryable, id: string): Promise<InterviewRow | undefined> {
  if (!isUuid(id)) return undefined;
  const { rows } = await tx.query('select * from public.interviews where id = $1', [id]);
  return rows[0] ? readInterviewRow(rows[0]) : undefined;
}

export async function findLiveInterview(db: Database, userId: string): Promise<InterviewRow | undefined> {
  const { rows } = await withUser(db, userId, (tx) =>
    tx.query(`select * from public.interviews where user_id = $1 and status = 'live'`, [userId]),
  );
  return rows[0] ? readInterviewRow(rows[0]) : undefined;
}

/** The voice room its runner made for a starting interview. */
export async function setRoom(db: Database, userId: string, id: string, roomName: string): Promise<void> {
  await withUser(db, userId, (tx) => tx.query('update public.interviews set room_name = $2 where id = $1', [id, roomName]));
}

/**
 * A runner claims a start that the web instance `web` recorded: the interview is its own from
 * now on. Undefined (the owner's id otherwise) when the web instance gave up on it first.
 */
export async function claimStart(db: Database, id: string, web: string, runner: string): Promise<string | undefined> {
  const { rows } = await db.query<{ user_id: string }>(
    `update public.interviews set instance_id = $3 where id = $1 and instance_id = $2 and status = 'live' returning user_id`,
    [id, web, runner],
  );
  return rows[0]?.user_id;
}

/** The web instance gives up on a start no runner has claimed; false when one has. */
export async function withdrawStart(db: Database, id: string, web: string): Promise<boolean> {
  const { rowCount } = await db.query(`delete from public.interviews where id = $1 and instance_id = $2 and status = 'live'`, [id, web]);
  return rowCount > 0;
}

/** What the runner that claims the start will need beyond the row (the résumé, the job description). */
export async function saveBrief(db: Database, userId: string, id: string, brief: { resumeText?: string; jobDescription?: string }): Promise<void> {
  await withUser(db, userId, (tx) =>
    tx.query('insert into public.interview_briefs (interview_id, user_id, resume_text, job_description) values ($1, $2, $3, $4)', [
      id,
      userId,
      brief.resumeText ?? null,
      brief.jobDescription ?? null,
    ]),
  );
}

/** Reads the brief once: it is deleted as it is read. */
export async function takeBrief(db: Database, userId: string, id: string): Promise<{ resumeText?: string; jobDescription?: string }> {
  const { rows } = await withUser(db, userId, (tx) =>
    tx.query<{ resume_text: string | null; job_description: string | null }>(
      'delete from public.interview_briefs where interview_id = $1 returning resume_text, job_description',
      [id],
    ),
  );
  return { resumeText: rows[0]?.resume_text ?? undefined, jobDescription: rows[0]?.job_description ?? undefined };
}

/** Appends one transcript line at once, as the owner, so nothing said is lost if the child dies. */
export async function appendItem(db: Database, userId: string, id: string, item: TranscriptItem): Promise<void> {
  await withUser(db, userId, (tx) =>
    tx.query(
      `update public.interviews
          set conversation = coalesce(conversation, '[]'::jsonb) || jsonb_build_array($2::jsonb),
              total_messages = jsonb_set(coalesce(total_messages, '{}'::jsonb), array[$3::text],
                to_jsonb(coalesce((total_messages ->> $3::text)::int, 0) + 1))
        where id = $1`,
      [id, JSON.stringify(item), item.role],
    ),
  );
}

export async function recordStage(
  db: Database,
  userId: string,
  id: string,
  change: { stage: Stage; previous: Stage | null; skipped: Stage[]; by: StageEvent['by']; at: number },
): Promise<void> {
  const event: StageEvent = { stage: change.stage, previous: change.previous, by: change.by, at: change.at };
  await withUser(db, userId, (tx) =>
    tx.query(
      `update public.interviews
          set final_stage = $2, skipped_stages = $3::text[], stage_events = stage_events || jsonb_build_array($4::jsonb)
        where id = $1`,
      [id, change.stage, change.skipped, JSON.stringify(event)],
    ),
  );
}

export async function appendMetrics(db: Database, userId: string, id: string, metrics: TurnMetrics): Promise<void> {
  await withUser(db, userId, (tx) =>
    tx.query(`update public.interviews set metrics = metrics || jsonb_build_array($2::jsonb) where id = $1`, [id, JSON.stringify(metrics)]),
  );
}

export async function recordError(db: Database, userId: string, id: string, message: string): Promise<void> {
  await withUser(db, userId, (tx) => tx.query(`update public.interviews set error_message = $2 where id = $1`, [id, message]));
}

/** Marks a live interview ended; a no-op for one already ended. */
export async function endInterview(db: Database, userId: string, id: string, reason: EndReason): Promise<InterviewRow | undefined> {
  const { rows } = await withUser(db, userId, (tx) =>
    tx.query(
      `update public.interviews set status = 'ended', ended_by = $2, ended_at = now()
        where id = $1 and status = 'live' returning *`,
      [id, reason],
    ),
  );
  return rows[0] ? readInterviewRow(rows[0]) : undefined;
}

/**
 * Interviews left "live" by a server process that stopped without ending them (a crash or a
 * kill): no child runs them any more once that process's lease has run out. Run as the owner;
 * returns the rows ended.
 */
export async function endOrphanedInterviews(db: Database, leaseMs: number): Promise<InterviewRow[]> {
  const { rows } = await db.query(
    `update public.interviews set status = 'ended', ended_by = 'error', ended_at = now(),
            error_message = coalesce(error_message, 'The server restarted during this interview.')
      where status = 'live' and ${orphanedBy('instance_id')}
      returning *`,
    [leaseMs / 1000],
  );
  return rows.map(readInterviewRow);
}

export interface InterviewSummaryRow extends InterviewRow {
  score: number | null;
  total: number;
}

export async function listInterviews(
  db: Database,
  userId: string,
  { page, perPage, q }: { page: number; perPage: number; q?: string },
): Promise<{ rows: InterviewSummaryRow[]; total: number }> {
  return withUser(db, userId, async (tx) => {
    const filter = q ? `and (i.job_role ilike $4 or i.candidate_name ilike $4 or i.experience_level ilike $4)` : '';
    const params: unknown[] = [userId, perPage, (page - 1) * perPage];
    if (q) params.push(`%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
    // The conversation is read only for rows without stage events (made by the Python
    // original): their times come from it.
    const { rows } = await tx.query<Record<string, unknown>>(
      `select i.id, i.user_id, i.candidate_name, i.interview_date, i.job_role, i.experience_level, i.mode, i.status,
              i.final_stage, i.skipped_stages, i.ended_by, i.created_at, i.started_at, i.ended_at, i.total_messages,
              i.has_resume, i.has_jd, i.feedback_status, i.stage_events,
              case when i.stage_events = '[]'::jsonb then i.conversation end as original_conversation,
              ${storedScoreSql('f')} as score,
              count(*) over ()::int as total
         from public.interviews i
         left join public.feedback f on f.interview_id = i.id
        where i.user_id = $1 ${filter}
        order by i.created_at desc, i.id
        limit $2 offset $3`,
      params,
    );
    const read = rows.map((row) => readSummaryRow(row, scoreOf(row.score)));
    return { rows: read, total: read[0]?.total ?? 0 };
  });
}

export async function deleteInterview(db: Database, userId: string, id: string): Promise<boolean> {
  if (!isUuid(id)) return false;
  const { rowCount } = await withUser(db, userId, (tx) => tx.query('delete from public.interviews where id = $1', [id]));
  return rowCount > 0;
}
