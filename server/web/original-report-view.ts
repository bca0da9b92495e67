import type { StoredFeedback } from '../feedback/index.ts';
import { round1 } from './history-view.ts';
import { markdownBlocks } from './markdown-blocks.ts';
import { scoreRing } from './report-view.ts';

// Feedback the Python original (MockFlow-AI) saved, as the interview page draws it: its scores in
// the same ring and bars as ours, and its Markdown report as blocks the template escapes.

export function originalReportView(stored: Extract<StoredFeedback, { shape: 'mockflow-ai' }>) {
  const s = stored.scores;
  return {
    overall: s?.overall != null ? { score: s.overall, ring: scoreRing(s.overall) } : null,
    headline: s?.headline ?? null,
    topStrength: s?.topStrength ?? null,
    topImprovement: s?.topImprovement ?? null,
    competencies: (s?.competencies ?? []).map((c) => ({ ...c, width: round1((c.score / c.maxScore) * 100) })),
    fillerWords: s?.fillerWords ?? null,
    answerStructure: s?.answerStructure ?? null,
    blocks: stored.markdown ? markdownBlocks(stored.markdown) : [],
  };
}

export type OriginalReportView = ReturnType<typeof originalReportView>;
