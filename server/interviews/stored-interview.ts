import { DEFAULT_PATIENCE, PATIENCE_LEVELS, STAGES, type EndReason, type Patience, type Stage } from '../../shared/vocabulary.ts';
import { readConversation } from './legacy-conversation.ts';
import type { InterviewRow, InterviewSummaryRow, StageEvent } from './store.ts';

// Reads an `interviews` row as stored into what the rest of the server works with, whatever wrote
// it: this server, or the Python original (MockFlow-AI), whose rows have other values ('' for
// unknown, NULL lists, its own end reasons, {agent, user} message counts) and none of our columns
// (the migrations' defaults fill them in). Never throws: a value that cannot be read becomes
// "unknown" and, where it loses something the candidate would miss, a sentence in `problems`.

const END_REASONS: Readonly<Record<string, EndReason>> = {
  completed: 'completed',
  candidate: 'candidate',
  timeout: 'timeout',
  idle: 'idle',
  error: 'error',
  shutdown: 'shutdown',
  // The original's.
  natural_completion: 'completed',
  user_disconnect: 'candidate',
};

type Raw = Record<string, unknown>;

function text(value: unknown): string | null {
  return typeof value === 'string' && value.trim() !== '' ? value : null;
}

function stage(value: unknown): Stage | null {
  return typeof value === 'string' && (STAGES as readonly string[]).includes(value) ? (value as Stage) : null;
}

function count(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? Math.floor(value) : 0;
}

function date(value: unknown): Date | null {
  const d = value instanceof Date ? value : typeof value === 'string' ? new Date(value) : null;
  return d && !Number.isNaN(d.getTime()) ? d : null;
}

function list<T>(value: unknown, keep: (v: unknown) => v is T): T[] {
  return Array.isArray(value) ? value.filter(keep) : [];
}

function isStageEvent(v: unknown): v is StageEvent {
  const e = v as StageEvent;
  return typeof v === 'object' && v !== null && stage(e.stage) !== null && typeof e.at === 'number' && Number.isFinite(e.at);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Message counts by our roles; the original counted the interviewer as "agent". */
function totals(value: unknown): Record<string, number> {
  const t = isObject(value) ? value : {};
  return { user: count(t.user), assistant: count(t.assistant ?? t.agent) };
}

function columns(raw: Raw) {
  const stageEvents = list(raw.stage_events, isStageEvent);
  const skipped = Array.isArray(raw.skipped_stages) ? raw.skipped_stages.map(stage).filter((s): s is Stage => s !== null) : [];
  const created = date(raw.created_at) ?? date(raw.interview_date) ?? new Date(0);
  return {
    id: String(raw.id),
    user_id: String(raw.user_id),
    candidate_name: text(raw.candidate_name) ?? 'Candidate',
    interview_date: date(raw.interview_date) ?? created,
    room_name: text(raw.room_name),
    instance_id: text(raw.instance_id),
    job_role: text(raw.job_role),
    experience_level: text(raw.experience_level),
    mode: raw.mode === 'text' ? ('text' as const) : ('voice' as const),
    patience: (PATIENCE_LEVELS as readonly unknown[]).includes(raw.patience) ? (raw.patience as Patience) : DEFAULT_PATIENCE,
    status: raw.status === 'live' ? ('live' as const) : ('ended' as const),
    total_messages: totals(raw.total_messages),
    stage_events: stageEvents,
    skipped_stages: [...new Set(skipped)],
    final_stage: stage(raw.final_stage),
    ended_by: typeof raw.ended_by === 'string' ? (END_REASONS[raw.ended_by] ?? null) : null,
    error_message: text(raw.error_message),
    has_resume: raw.has_resume === true,
    has_jd: raw.has_jd === true,
    created_at: created,
    started_at: date(raw.started_at) ?? created,
    ended_at: date(raw.ended_at),
    feedback_status: raw.feedback_status === 'generating' || raw.feedback_status === 'failed' ? (raw.feedback_status as 'generating' | 'failed') : null,
    feedback_error: text(raw.feedback_error),
    // This server records the first stage when it creates an interview: a row without stage
    // events was made before (by the original), and got started_at from the migration that added it.
    madeHere: stageEvents.length > 0,
  };
}

/** When the interview ran, for a row this server did not make: from its transcript, else its date. */
function originalTimes(row: Pick<InterviewRow, 'interview_date' | 'ended_at'>, items: InterviewRow['conversation']) {
  const first = items[0];
  const last = items.at(-1);
  return {
    started_at: first ? new Date(first.startedAt) : row.interview_date,
    ended_at: row.ended_at ?? (last ? new Date(last.endedAt) : null),
  };
}

export function readInterviewRow(raw: Raw): InterviewRow {
  const { madeHere, ...row } = columns(raw);
  const conversation = readConversation(raw.conversation);
  return {
    ...row,
    ...(madeHere ? {} : originalTimes(row, conversation.items)),
    conversation: conversation.items,
    metrics: list(raw.metrics, isObject) as unknown as InterviewRow['metrics'],
    problems: conversation.problem ? [conversation.problem] : [],
  };
}

/**
 * A list row: the columns above, a score read from either feedback shape by the list query, and
 * the conversation only for rows this server did not make (their times come from it).
 */
export function readSummaryRow(raw: Raw, score: number | null): InterviewSummaryRow {
  const { madeHere, ...row } = columns(raw);
  const times = madeHere ? {} : originalTimes(row, readConversation(raw.original_conversation).items);
  return {
    ...row,
    ...times,
    conversation: [],
    metrics: [],
    problems: [],
    score,
    total: count(raw.total),
  };
}
