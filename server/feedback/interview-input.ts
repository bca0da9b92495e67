import type { ExperienceLevel } from '../../shared/vocabulary.ts';
import type { InterviewRow } from '../interviews/index.ts';
import { computeAnalytics, type SpeakingAnalytics } from './analytics.ts';

/** What feedback generation reads of an interview row. */
export function interviewInput(row: InterviewRow) {
  return {
    jobRole: row.job_role ?? 'the role',
    experienceLevel: experienceLevel(row),
    mode: row.mode,
    items: row.conversation,
    stageEvents: row.stage_events,
    endedAt: row.ended_at ? new Date(row.ended_at).getTime() : undefined,
  };
}

/**
 * The interview's analytics as the current rules count them. Shown instead of the copy saved with
 * the feedback, so a corrected rule (what counts as a filler) reaches earlier reports too.
 */
export function analyticsOf(row: InterviewRow): SpeakingAnalytics {
  return computeAnalytics(interviewInput(row));
}

/** Our level, or what the row says (the prompt and the document show an unknown one as written). */
export function experienceLevel(row: InterviewRow): ExperienceLevel {
  return (row.experience_level ?? 'mid') as ExperienceLevel;
}
