import type { TurnMetrics } from '../../agent/protocol.ts';
import type { TurnTimes } from '../../shared/api.ts';

// Where the time before each interviewer reply went, as the agent measured it. The one place
// that turns stored metrics into per-turn figures and medians: the API, the interview page and
// the room's live line all read these.

export type { TurnTimes };

export const TIME_MEASURES = ['endOfUtteranceDelayMs', 'llmTtftMs', 'ttsTtfbMs'] as const;
export type TimeMeasure = (typeof TIME_MEASURES)[number];

export interface ResponseTimes {
  turns: TurnTimes[];
  /** Each measure's median over the turns that have it (whole ms); null when no turn has it. */
  medians: Record<TimeMeasure, number | null>;
}

function measured(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : null;
}

export function presentTurn(metrics: TurnMetrics): TurnTimes {
  return {
    stage: metrics.stage,
    at: metrics.at,
    endOfUtteranceDelayMs: measured(metrics.endOfUtteranceDelayMs),
    llmTtftMs: measured(metrics.llmTtftMs),
    ttsTtfbMs: measured(metrics.ttsTtfbMs),
  };
}

/** The middle value (the mean of the two middle ones for an even count), rounded to whole ms; null for none. */
export function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const value = sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
  return Math.round(value);
}

/** Per-turn figures in the order they were reported, and the median of each measure. */
export function responseTimes(metrics: readonly TurnMetrics[] | null | undefined): ResponseTimes {
  const turns = (metrics ?? []).map(presentTurn);
  const medianOf = (measure: TimeMeasure) => median(turns.map((t) => t[measure]).filter((v): v is number => v !== null));
  return {
    turns,
    medians: { endOfUtteranceDelayMs: medianOf('endOfUtteranceDelayMs'), llmTtftMs: medianOf('llmTtftMs'), ttsTtfbMs: medianOf('ttsTtfbMs') },
  };
}
