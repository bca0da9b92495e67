import { latencyText } from '../../shared/format.ts';
import { STAGE_LABELS } from '../../shared/vocabulary.ts';
import { TIME_MEASURES, type ResponseTimes, type TimeMeasure } from '../interviews/index.ts';

// The interview page's "Response times" table: one row per interviewer reply, a column per
// measure that any turn has (a text interview has no voice and no end-of-answer wait), medians
// last. Missing figures are shown as missing, never as zero.

const HEADINGS: Record<TimeMeasure, string> = {
  endOfUtteranceDelayMs: 'Waiting for the end of your answer',
  llmTtftMs: 'Model (first token)',
  ttsTtfbMs: 'Voice (first audio)',
};


export interface ResponseTimesView {
  columns: { measure: TimeMeasure; heading: string }[];
  rows: { turn: number; stage: string; cells: (string | null)[] }[];
  /** Every shown column has at least one figure, so a median. */
  medians: string[];
  reading: string;
}

/** Null when the interview has no figures (nothing was measured, or it predates measuring). */
export function responseTimesView(times: ResponseTimes): ResponseTimesView | null {
  const measures = TIME_MEASURES.filter((m) => times.medians[m] !== null);
  if (measures.length === 0) return null;
  const text = (ms: number | null) => (ms === null ? null : latencyText(ms));
  return {
    columns: measures.map((measure) => ({ measure, heading: HEADINGS[measure] })),
    rows: times.turns.map((t, i) => ({ turn: i + 1, stage: STAGE_LABELS[t.stage] ?? t.stage, cells: measures.map((m) => text(t[m])) })),
    medians: measures.map((m) => latencyText(times.medians[m]!)),
    reading: reading(measures),
  };
}

function reading(measures: TimeMeasure[]): string {
  const providers = [measures.includes('llmTtftMs') && 'model', measures.includes('ttsTtfbMs') && 'voice'].filter(Boolean);
  const share =
    providers.length === 0
      ? ''
      : `The ${providers.join(' and ')} ${providers.length === 1 ? 'column is' : 'columns are'} time spent at your own ${providers.length === 1 ? 'provider before it starts' : 'providers before they start'} to answer, not in MockFlow`;
  const wait = measures.includes('endOfUtteranceDelayMs')
    ? `${share ? 'the' : 'The'} wait for the end of your answer is the interview’s patience setting: how long it lets you pause before it replies`
    : '';
  return `${[share, wait].filter(Boolean).join('; ')}.`;
}
