import { STAGE_LABELS, STAGES } from '../../shared/vocabulary.ts';
import { responseTimes } from './response-times.ts';
import type { InterviewRow, InterviewSummaryRow } from './store.ts';


function durationSeconds(row: Pick<InterviewRow, 'started_at' | 'ended_at' | 'status'>): number | null {
  const end = row.ended_at ? new Date(row.ended_at) : row.status === 'live' ? new Date() : null;
  return end ? Math.max(0, Math.round((end.getTime() - new Date(row.started_at).getTime()) / 1000)) : null;
}

/** What the whole interview and its line in a list both say. */
function facts(row: Pick<InterviewRow, 'id' | 'candidate_name' | 'job_role' | 'experience_level' | 'mode' | 'status' | 'created_at'>) {
  return {
    id: row.id,
    candidateName: row.candidate_name,
    jobRole: row.job_role,
    experienceLevel: row.experience_level,
    mode: row.mode,
    status: row.status,
    createdAt: new Date(row.created_at).toISOString(),
  };
}

/** The one place that decides what an interview looks like to its owner. */
export function presentInterview(row: InterviewRow) {
  return {
    ...facts(row),
    startedAt: new Date(row.started_at).toISOString(),
    endedAt: row.ended_at ? new Date(row.ended_at).toISOString() : null,
    durationSeconds: durationSeconds(row),
    endedBy: row.ended_by,
    error: row.error_message,
    finalStage: row.final_stage,
    skippedStages: row.skipped_stages,
    stages: row.stage_events,
    items: row.conversation,
    totalMessages: row.total_messages,
    hasResume: row.has_resume,
    hasJobDescription: row.has_jd,
    feedbackStatus: row.feedback_status,
    responseTimes: responseTimes(row.metrics),
    /** What could not be read of the stored interview; the rest is shown. */
    problems: row.problems,
  };
}

export type PresentedInterview = ReturnType<typeof presentInterview>;

export function presentSummary(row: InterviewSummaryRow) {
  return {
    ...facts(row),
    durationSeconds: durationSeconds(row),
    finalStage: row.final_stage,
    endedBy: row.ended_by,
    messages: (row.total_messages?.user ?? 0) + (row.total_messages?.assistant ?? 0),
    score: row.score,
  };
}

/** Transcript lines grouped by the stage they were said in, in stage order. */
export function groupByStage(items: InterviewRow['conversation']) {
  return STAGES.map((stage) => ({ stage, label: STAGE_LABELS[stage], items: items.filter((i) => i.stage === stage) })).filter(
    (g) => g.items.length > 0,
  );
}
