import type { SpeakingAnalytics } from './analytics.ts';
import type { FeedbackData } from './generate.ts';
import { FeedbackSchema } from './schema.ts';

// Every shape `feedback.feedback_data` has been stored in, read in one place:
// - ours (FeedbackData, version 1);
// - the Python original's (MockFlow-AI): {"feedback": "<Markdown report>", "scores": {overall_score,
//   summary_headline, competencies: [{name, score, max_score, quick_take}], top_strength,
//   top_improvement, filler_word_count, answer_structure_score}}, where `scores` may be missing.
// Anything else is "unreadable": shown as such, and replaced by generating feedback again.

export interface OriginalCompetency {
  name: string;
  score: number;
  maxScore: number;
  take: string | null;
}

export interface OriginalScores {
  /** Out of 5, like ours; null when missing. */
  overall: number | null;
  headline: string | null;
  competencies: OriginalCompetency[];
  topStrength: string | null;
  topImprovement: string | null;
  fillerWords: number | null;
  answerStructure: number | null;
}

export type StoredFeedback =
  | { shape: 'mockflow'; data: FeedbackData }
  | { shape: 'mockflow-ai'; markdown: string | null; scores: OriginalScores | null }
  | { shape: 'unreadable' };

/** The stored overall score in either shape, as JSON, for list queries; read it with scoreOf(). */
export function storedScoreSql(alias: string): string {
  return `coalesce(${alias}.feedback_data -> 'feedback' -> 'overall' -> 'score', ${alias}.feedback_data -> 'scores' -> 'overall_score')`;
}

/** An overall score out of 5 to one decimal, or null when the value is not one. */
export function scoreOf(value: unknown): number | null {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 5) return null;
  return Math.round(value * 10) / 10;
}

export function overallScore(feedback: StoredFeedback): number | null {
  if (feedback.shape === 'mockflow') return feedback.data.feedback.overall.score;
  return feedback.shape === 'mockflow-ai' ? (feedback.scores?.overall ?? null) : null;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function text(value: unknown): string | null {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : null;
}

function number(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

function isOurs(value: Record<string, unknown>): value is Record<string, unknown> & FeedbackData {
  const a = value.analytics as Record<string, unknown> | undefined;
  return (
    value.version === 1 &&
    typeof value.generatedAt === 'string' &&
    !Number.isNaN(Date.parse(value.generatedAt)) &&
    typeof value.model === 'string' &&
    FeedbackSchema.safeParse(value.feedback).success &&
    isRecord(a) &&
    (a.fillerWords === null || (isRecord(a.fillerWords) && isRecord(a.fillerWords.byWord))) &&
    isRecord(a.answers) &&
    isRecord(a.questionsPerStage) &&
    isRecord(a.timePerStageSeconds)
  );
}

function originalScores(value: unknown): OriginalScores | null {
  if (!isRecord(value)) return null;
  const competencies = (Array.isArray(value.competencies) ? value.competencies : []).flatMap((c): OriginalCompetency[] => {
    if (!isRecord(c) || !text(c.name) || number(c.score) === null) return [];
    const maxScore = number(c.max_score) ?? 5;
    if (maxScore <= 0) return [];
    return [{ name: text(c.name)!, score: Math.min(Math.max(number(c.score)!, 0), maxScore), maxScore, take: text(c.quick_take) }];
  });
  return {
    overall: scoreOf(value.overall_score),
    headline: text(value.summary_headline),
    competencies,
    topStrength: text(value.top_strength),
    topImprovement: text(value.top_improvement),
    fillerWords: number(value.filler_word_count),
    answerStructure: number(value.answer_structure_score),
  };
}

export function readFeedback(stored: unknown): StoredFeedback {
  if (!isRecord(stored)) return { shape: 'unreadable' };
  if (isOurs(stored)) return { shape: 'mockflow', data: stored };
  const markdown = typeof stored.feedback === 'string' ? stored.feedback : null;
  const scores = originalScores(stored.scores);
  if (markdown === null && scores === null) return { shape: 'unreadable' };
  return { shape: 'mockflow-ai', markdown: text(markdown) ? markdown : null, scores };
}

export type FeedbackStatus = 'none' | 'generating' | 'ready' | 'failed';

/** The latest generation's state; without one, whether there is feedback that can be shown. */
export function feedbackStatus(row: { feedback_status: 'generating' | 'failed' | null }, stored: StoredFeedback | undefined): FeedbackStatus {
  if (row.feedback_status) return row.feedback_status;
  return stored && stored.shape !== 'unreadable' ? 'ready' : 'none';
}

export const UNREADABLE_FEEDBACK = 'The feedback saved for this interview could not be read. Generating feedback replaces it.';

/** What the feedback API says about the stored feedback, beside the status. */
export function presentFeedback(stored: StoredFeedback | undefined, analytics: SpeakingAnalytics) {
  if (!stored) return {};
  if (stored.shape === 'mockflow') return { feedback: { ...stored.data, analytics } };
  if (stored.shape === 'mockflow-ai') return { original: { markdown: stored.markdown, scores: stored.scores } };
  return { unreadable: UNREADABLE_FEEDBACK };
}
