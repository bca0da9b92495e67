// Interviews and feedback written straight into the database (as their owner, through RLS), for
// page tests and the pages benchmark.

import type { TranscriptItem, TurnMetrics } from '../../agent/protocol.ts';
import type { EndReason, Stage } from '../../shared/vocabulary.ts';
import { userForIdentity } from '../../server/auth/users.ts';
import { withUser, type Database } from '../../server/db/database.ts';
import { computeAnalytics, type StageEvent } from '../../server/feedback/analytics.ts';
import type { FeedbackData } from '../../server/feedback/generate.ts';
import type { Feedback } from '../../server/feedback/schema.ts';
import { interviewItems, interviewStageEvents, T0, validFeedback } from '../feedback/fixture.ts';

export const XSS_NAME = '<img src=x onerror=alert(1)>';

export interface SeedInterview {
  candidateName?: string;
  jobRole?: string;
  experienceLevel?: string;
  mode?: 'voice' | 'text';
  status?: 'live' | 'ended';
  /** When it started (the list sorts by this); the fixture's T0 by default. */
  startedAt?: number;
  items?: TranscriptItem[];
  stageEvents?: StageEvent[];
  durationMs?: number;
  finalStage?: Stage;
  endedBy?: EndReason;
  /** Per-turn response times as the agent reports them; none by default. */
  metrics?: TurnMetrics[];
  /** Stores feedback with analytics computed from the items: a score, or a whole answer. */
  feedback?: number | Feedback;
}

/** The local user ("Continue as local user"), created if it has not signed in yet. */
export async function localUserId(db: Database): Promise<string> {
  return (await userForIdentity(db, 'local', 'local', { name: 'Local user' })).id;
}

export async function otherUserId(db: Database, subject = 'someone-else'): Promise<string> {
  return (await userForIdentity(db, 'google', subject, { name: 'Someone Else', email: 'else@example.com' })).id;
}

/** The fixture transcript (four answers) moved to start at `startedAt`. */
export function shiftedItems(startedAt: number, items = interviewItems): TranscriptItem[] {
  return items.map((i) => ({ ...i, startedAt: i.startedAt - T0 + startedAt, endedAt: i.endedAt - T0 + startedAt }));
}

function shiftedEvents(startedAt: number, events = interviewStageEvents): StageEvent[] {
  return events.map((e) => ({ ...e, at: e.at - T0 + startedAt }));
}

export function feedbackData(feedback: Feedback, input: { mode: 'voice' | 'text'; items: TranscriptItem[]; stageEvents: StageEvent[]; endedAt?: number }): FeedbackData {
  return {
    version: 1,
    generatedAt: new Date(input.endedAt ?? Date.now()).toISOString(),
    model: 'fake-model',
    feedback,
    analytics: computeAnalytics(input),
    droppedQuotes: 0,
  };
}

export async function seedInterview(db: Database, userId: string, seed: SeedInterview = {}): Promise<string> {
  const startedAt = seed.startedAt ?? T0;
  const items = seed.items ?? shiftedItems(startedAt);
  const stageEvents = seed.stageEvents ?? shiftedEvents(startedAt);
  const status = seed.status ?? 'ended';
  const endedAt = status === 'ended' ? startedAt + (seed.durationMs ?? 45_000) : null;
  const mode = seed.mode ?? 'voice';
  const totals = { user: items.filter((i) => i.role === 'user').length, assistant: items.filter((i) => i.role === 'assistant').length };
  return withUser(db, userId, async (tx) => {
    const { rows } = await tx.query<{ id: string }>(
      `insert into public.interviews
         (user_id, candidate_name, job_role, experience_level, mode, status, conversation, total_messages, stage_events,
          final_stage, ended_by, started_at, ended_at, created_at, interview_date, metrics)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $12, $12, $14)
       returning id`,
      [
        userId,
        seed.candidateName ?? 'Priya Patel',
        seed.jobRole ?? 'Frontend Engineer',
        seed.experienceLevel ?? 'mid',
        mode,
        status,
        JSON.stringify(items),
        JSON.stringify(totals),
        JSON.stringify(stageEvents.map((e) => ({ stage: e.stage, previous: null, by: 'agent', at: e.at }))),
        seed.finalStage ?? items.at(-1)?.stage ?? 'welcome',
        status === 'ended' ? (seed.endedBy ?? 'completed') : null,
        new Date(startedAt),
        endedAt === null ? null : new Date(endedAt),
        JSON.stringify(seed.metrics ?? []),
      ],
    );
    const id = rows[0]!.id;
    if (seed.feedback !== undefined) {
      const feedback = typeof seed.feedback === 'number' ? withScore(seed.feedback) : seed.feedback;
      const data = feedbackData(feedback, { mode, items, stageEvents, endedAt: endedAt ?? undefined });
      await tx.query('insert into public.feedback (interview_id, user_id, feedback_data) values ($1, $2, $3)', [id, userId, JSON.stringify(data)]);
    }
    return id;
  });
}

export function withScore(score: number): Feedback {
  const feedback = validFeedback();
  feedback.overall.score = score;
  return feedback;
}

/** Four voice turns: the second has no voice figure (interrupted before audio). Medians: 600, 460 and 220 ms. */
export const VOICE_METRICS: TurnMetrics[] = [
  { stage: 'welcome', at: T0 + 2_000, llmTtftMs: 420, ttsTtfbMs: 180 },
  { stage: 'self_intro', at: T0 + 12_000, endOfUtteranceDelayMs: 600, llmTtftMs: 1_250 },
  { stage: 'self_intro', at: T0 + 22_000, endOfUtteranceDelayMs: 550, llmTtftMs: 380, ttsTtfbMs: 220 },
  { stage: 'past_experience', at: T0 + 32_000, endOfUtteranceDelayMs: 700, llmTtftMs: 500, ttsTtfbMs: 240 },
];

/** Text turns measure the model only. Median: 40 ms. */
export const TEXT_METRICS: TurnMetrics[] = [
  { stage: 'welcome', at: T0 + 2_000, llmTtftMs: 35 },
  { stage: 'self_intro', at: T0 + 12_000, llmTtftMs: 40 },
  { stage: 'self_intro', at: T0 + 22_000, llmTtftMs: 900 },
];
