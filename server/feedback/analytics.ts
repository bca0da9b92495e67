import { type TranscriptItem } from '../../agent/protocol.ts';
import { isQuestion, STAGES, type Stage } from '../../shared/vocabulary.ts';
import { countFillers, type Filler } from './fillers.ts';

// Speaking analytics, computed from the transcript by code (never by the model), so the same
// transcript always gives the same numbers.
//
// Definitions used throughout:
// - A word is a run of letters or digits, with inner apostrophes kept ("don't", "it’s" are one
//   word each); hyphens and other punctuation separate words ("well-known" is two).
// - The candidate is role 'user'; the interviewer is role 'assistant'. Items are taken in the
//   order given (the order they were said in).
// - An item's duration is endedAt − startedAt in milliseconds when both are finite and endedAt
//   is later; otherwise it has no duration.
// - Rounding: rates, averages and seconds to 1 decimal; shares (fractions of 1) to 3 decimals;
//   counts are exact. Every rounding is of the exact value, never of another rounded number.

export type InterviewMode = 'voice' | 'text';

export interface StageEvent {
  stage: Stage;
  /** Epoch milliseconds at which the stage was entered. */
  at: number;
}

export interface AnalyticsInput {
  mode: InterviewMode;
  items: TranscriptItem[];
  /** Stage entries in any order; the first is normally welcome at the interview start. */
  stageEvents: StageEvent[];
  /** Epoch milliseconds at which the interview ended, if known. */
  endedAt?: number;
}

/** Fillers and pace describe speech; a text interview's answers are typed, so it has neither. */
export function measuresSpeech(mode: InterviewMode): boolean {
  return mode === 'voice';
}

export interface SpeakingAnalytics {
  /** Words in all candidate items. */
  candidateWords: number;
  /**
   * Seconds the candidate spoke: the sum of their items' durations (1 decimal). Null in text
   * mode, or when no candidate item has a duration.
   */
  candidateSpeakingSeconds: number | null;
  /** Null in text mode (see measuresSpeech). */
  fillerWords: {
    /** Fillers in all candidate items (see fillers.ts for what counts). */
    total: number;
    /** total ÷ minutes of candidate speech (1 decimal); null whenever candidateSpeakingSeconds is. */
    perMinute: number | null;
    /** Every filler in FILLERS, with 0 for those never said. */
    byWord: Record<Filler, number>;
  } | null;
  /** candidateWords ÷ minutes of candidate speech (1 decimal); null whenever candidateSpeakingSeconds is. */
  wordsPerMinute: number | null;
  /**
   * Share of the talking each side did, as fractions summing to 1 (3 decimals). Basis 'time'
   * (sums of item durations) in voice mode when both sides' items have durations; basis
   * 'words' (word counts) in text mode or when timing is missing. Null when nobody said a word.
   */
  talkTimeShare: { basis: 'time' | 'words'; candidate: number; interviewer: number } | null;
  /**
   * An answer is a run of consecutive candidate items (no interviewer item between them) that
   * has at least one word: a reply split into several items is one answer.
   * averageWords has 1 decimal; all are 0 when there are no answers.
   */
  answers: { count: number; averageWords: number; shortestWords: number; longestWords: number };
  /**
   * Interviewer items that ask something, by the stage of the item: the text contains "?" or an
   * interview prompt phrased as a request ("Tell me about…", "Walk me through…", "Describe…").
   */
  questionsPerStage: Record<Stage, number>;
  /**
   * Seconds from entering each stage to entering the next (the last stage runs to the end of
   * the interview: endedAt, else the last item's end), 1 decimal. A stage never entered has 0;
   * a stage entered twice has both spells added. Without stage events, a stage is taken to be
   * entered when the first item of a new stage starts.
   */
  timePerStageSeconds: Record<Stage, number>;
}

const WORD = /[\p{L}\p{N}]+(?:['’][\p{L}\p{N}]+)*/gu;

/** The words of a text (see the definition above), as written. */
export function wordsOf(text: string): string[] {
  return text.match(WORD) ?? [];
}

export function computeAnalytics(input: AnalyticsInput): SpeakingAnalytics {
  const candidateItems = input.items.filter((item) => item.role === 'user');
  const interviewerItems = input.items.filter((item) => item.role === 'assistant');

  const candidateWords = sum(candidateItems.map((item) => wordsOf(item.text).length));
  const interviewerWords = sum(interviewerItems.map((item) => wordsOf(item.text).length));
  const candidateMs = totalDuration(candidateItems);
  const interviewerMs = totalDuration(interviewerItems);
  const speech = measuresSpeech(input.mode);
  const speakingMs = speech && candidateMs > 0 ? candidateMs : null;
  const perMinute = (count: number) => (speakingMs === null ? null : round(count / (speakingMs / 60_000), 1));

  const byWord = countFillers(candidateItems.map((item) => item.text));
  const fillerTotal = sum(Object.values(byWord));

  return {
    candidateWords,
    candidateSpeakingSeconds: speakingMs === null ? null : round(speakingMs / 1000, 1),
    fillerWords: speech ? { total: fillerTotal, perMinute: perMinute(fillerTotal), byWord } : null,
    wordsPerMinute: perMinute(candidateWords),
    talkTimeShare:
      speech && candidateMs > 0 && interviewerMs > 0
        ? share('time', candidateMs, interviewerMs)
        : share('words', candidateWords, interviewerWords),
    answers: answerLengths(input.items),
    questionsPerStage: questionsPerStage(interviewerItems),
    timePerStageSeconds: timePerStage(input),
  };
}

function answerLengths(items: TranscriptItem[]): SpeakingAnalytics['answers'] {
  const lengths: number[] = [];
  let current: number | null = null;
  for (const item of items) {
    if (item.role === 'user') current = (current ?? 0) + wordsOf(item.text).length;
    else if (current !== null) {
      lengths.push(current);
      current = null;
    }
  }
  if (current !== null) lengths.push(current);
  const answers = lengths.filter((n) => n > 0);
  if (answers.length === 0) return { count: 0, averageWords: 0, shortestWords: 0, longestWords: 0 };
  return {
    count: answers.length,
    averageWords: round(sum(answers) / answers.length, 1),
    shortestWords: Math.min(...answers),
    longestWords: Math.max(...answers),
  };
}

function questionsPerStage(interviewerItems: TranscriptItem[]): Record<Stage, number> {
  const counts = zeroPerStage();
  for (const item of interviewerItems) if (isQuestion(item.text) && item.stage in counts) counts[item.stage] += 1;
  return counts;
}

function timePerStage(input: AnalyticsInput): Record<Stage, number> {
  const events = (input.stageEvents.length > 0 ? input.stageEvents : inferStageEvents(input.items))
    .filter((e) => Number.isFinite(e.at) && STAGES.includes(e.stage))
    .sort((a, b) => a.at - b.at);
  const lastItemEnd = Math.max(-Infinity, ...input.items.map((item) => item.endedAt).filter(Number.isFinite));
  const end = input.endedAt !== undefined && Number.isFinite(input.endedAt) ? input.endedAt : lastItemEnd;

  const ms = zeroPerStage();
  events.forEach((event, index) => {
    const until = events[index + 1]?.at ?? end;
    if (Number.isFinite(until) && until > event.at) ms[event.stage] += until - event.at;
  });
  for (const stage of STAGES) ms[stage] = round(ms[stage] / 1000, 1);
  return ms;
}

function inferStageEvents(items: TranscriptItem[]): StageEvent[] {
  const events: StageEvent[] = [];
  for (const item of items) {
    if (events.at(-1)?.stage !== item.stage) events.push({ stage: item.stage, at: item.startedAt });
  }
  return events;
}

function totalDuration(items: TranscriptItem[]): number {
  let ms = 0;
  for (const { startedAt, endedAt } of items) {
    if (Number.isFinite(startedAt) && Number.isFinite(endedAt) && endedAt > startedAt) ms += endedAt - startedAt;
  }
  return ms;
}

function share(basis: 'time' | 'words', candidate: number, interviewer: number): SpeakingAnalytics['talkTimeShare'] {
  const total = candidate + interviewer;
  if (total <= 0) return null;
  return { basis, candidate: round(candidate / total, 3), interviewer: round(interviewer / total, 3) };
}

function zeroPerStage(): Record<Stage, number> {
  return Object.fromEntries(STAGES.map((s) => [s, 0])) as Record<Stage, number>;
}

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

/**
 * Rounds half up at `decimals` places, shifting the decimal point in the number's text so that
 * 1.005 rounds to 1.01 (multiplying first would give 100.49999… and 1.00).
 */
export function round(value: number, decimals: number): number {
  const shifted = Number(`${value}e${decimals}`);
  const rounded = Number.isFinite(shifted) ? Math.round(shifted) : Math.round(value * 10 ** decimals);
  return rounded / 10 ** decimals;
}
