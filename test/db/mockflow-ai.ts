// A database as the Python original (MockFlow-AI) left it: made with its deployment guide's SQL
// on a Supabase project, holding interviews and feedback in the shapes the original wrote.

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const FIXTURES = join(fileURLToPath(new URL('.', import.meta.url)), 'fixtures');
export const SUPABASE_PROJECT_SQL = join(FIXTURES, 'supabase-project.sql');
export const GUIDE_SQL = join(FIXTURES, 'mockflow-ai-guide.sql');

interface Runs {
  query(sql: string, params?: unknown[]): Promise<{ rows: any[] }>;
  exec(sql: string): Promise<void>;
}

/**
 * The guide's SQL on a new Supabase project. PGlite has no uuid-ossp, so there the guide's
 * uuid_generate_v4() is a stand-in with the same result.
 */
export async function makeGuideDatabase(db: Runs, kind: 'pglite' | 'postgres'): Promise<void> {
  await db.exec(await readFile(SUPABASE_PROJECT_SQL, 'utf8'));
  let guide = await readFile(GUIDE_SQL, 'utf8');
  if (kind === 'pglite') {
    guide = guide.replace(
      'CREATE EXTENSION IF NOT EXISTS "uuid-ossp";',
      () => 'CREATE FUNCTION public.uuid_generate_v4() RETURNS uuid LANGUAGE sql AS $$ SELECT gen_random_uuid() $$;',
    );
  }
  await db.exec(guide);
}

/** 2023-11-14T22:13:20Z in the original's epoch seconds. */
export const T0_S = 1_700_000_000;

/** Speech-to-text fragments of three answers, between four interviewer lines. */
export const FRAGMENTED_CONVERSATION = {
  agent: [
    { index: 0, text: 'Hi Sam, welcome to MockFlow. Are you ready to begin?', timestamp: T0_S + 0.25, stage: 'welcome' },
    { index: 1, text: 'Great. Tell me a little about yourself.', timestamp: T0_S + 9.5, stage: 'self_intro' },
    { index: 2, text: 'Describe a hard project you worked on.', timestamp: T0_S + 31.75, stage: 'past_experience' },
    { index: 3, text: 'Thank you, that is all from me today.', timestamp: T0_S + 62, stage: 'closing' },
  ],
  user: [
    { index: 0, text: 'Hello.', timestamp: T0_S + 4.5 },
    { index: 1, text: "I'm.", timestamp: T0_S + 5.25 },
    { index: 2, text: 'ready to start', timestamp: T0_S + 6 },
    { index: 3, text: 'so basically I um worked on', timestamp: T0_S + 12 },
    { index: 4, text: 'payments at a fintech', timestamp: T0_S + 14.5 },
    { index: 5, text: 'for three years', timestamp: T0_S + 17 },
    { index: 6, text: 'We rebuilt the ledger without downtime.', timestamp: T0_S + 35 },
  ],
};

export const ORIGINAL_MARKDOWN = [
  '## Overall Assessment',
  '',
  'Sam gave **clear** answers with *some* filler words.',
  '',
  '### Strengths',
  '- Concrete example: the `ledger` rebuild',
  '- Calm delivery',
  '',
  '<script>alert("legacy")</script> [click me](javascript:alert(1))',
].join('\n');

export const ORIGINAL_SCORES = {
  overall_score: 3.2,
  summary_headline: 'Solid answers that need more structure.',
  competencies: [
    { name: 'Technical Skills', score: 4, max_score: 5, quick_take: 'Knew the ledger inside out' },
    { name: 'Communication', score: 3, max_score: 5, quick_take: 'Room for clearer responses' },
  ],
  top_strength: 'Relevant project experience',
  top_improvement: 'Structure answers more clearly',
  filler_word_count: 7,
  answer_structure_score: 3,
};

export interface OriginalRows {
  fragments: string;
  empty: string;
  missing: string;
  unreadable: string;
}

/** One interview in each shape the original stored, with feedback with and without scores. */
export async function insertOriginalRows(db: Runs, userId: string): Promise<OriginalRows> {
  const insert = async (values: {
    name: string;
    date: string;
    role: string | null;
    level: string | null;
    conversation: unknown;
    totals: unknown;
    skipped: string[] | null;
    finalStage: string | null;
    endedBy: string;
  }) => {
    const { rows } = await db.query(
      `insert into interviews (user_id, candidate_name, interview_date, room_name, job_role, experience_level,
                               conversation, total_messages, skipped_stages, final_stage, ended_by, has_resume, has_jd, created_at)
       values ($1, $2, $3, $4, $5, $6, $7::jsonb, $8::jsonb, $9, $10, $11, true, false, $3) returning id`,
      [
        userId,
        values.name,
        values.date,
        `interview-${values.name.toLowerCase().replace(/\s+/g, '-')}-${Math.floor(new Date(values.date).getTime() / 1000)}`,
        values.role,
        values.level,
        values.conversation === null ? null : JSON.stringify(values.conversation),
        values.totals === null ? null : JSON.stringify(values.totals),
        values.skipped,
        values.finalStage,
        values.endedBy,
      ],
    );
    return rows[0].id as string;
  };
  const fragments = await insert({
    name: 'Sam Lee',
    date: '2023-11-14T22:14:30Z',
    role: 'Backend Engineer',
    level: 'mid',
    conversation: FRAGMENTED_CONVERSATION,
    totals: { agent: 4, user: 7 },
    skipped: ['company_fit'],
    finalStage: 'closing',
    endedBy: 'natural_completion',
  });
  const empty = await insert({
    name: 'Sam Lee',
    date: '2023-11-15T10:00:00Z',
    role: '',
    level: '',
    conversation: {},
    totals: { agent: 0, user: 0 },
    skipped: null,
    finalStage: '',
    endedBy: 'user_disconnect',
  });
  const missing = await insert({
    name: 'Sam Lee',
    date: '2023-11-16T10:00:00Z',
    role: 'Data Analyst',
    level: null,
    conversation: null,
    totals: null,
    skipped: null,
    finalStage: null,
    endedBy: 'unknown',
  });
  const unreadable = await insert({
    name: 'Sam Lee',
    date: '2023-11-17T10:00:00Z',
    role: 'Designer',
    level: 'senior',
    conversation: { agent: 'not a list', user: [{ index: 0, text: 'Only this survived.', timestamp: T0_S + 86_400 * 3 }, { text: 42 }] },
    totals: 'seven',
    skipped: ['no_such_stage'],
    finalStage: 'technical',
    endedBy: 'aliens',
  });
  const feedback = (interviewId: string, data: unknown) =>
    db.query(`insert into feedback (interview_id, user_id, feedback_data) values ($1, $2, $3::jsonb)`, [interviewId, userId, JSON.stringify(data)]);
  await feedback(fragments, { feedback: ORIGINAL_MARKDOWN, scores: ORIGINAL_SCORES });
  await feedback(empty, { feedback: '## Overall\n\nNot much was said.' });
  await feedback(unreadable, 'a plain string');
  return { fragments, empty, missing, unreadable };
}
