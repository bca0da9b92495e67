import { MODE_LABELS } from '../../shared/modes.ts';
import { LEVEL_LABELS, STAGE_LABELS, type EndReason, type ExperienceLevel } from '../../shared/vocabulary.ts';
import type { TranscriptItem } from '../../agent/protocol.ts';
import { groupByStage, type PresentedInterview, type presentSummary } from '../interviews/index.ts';

// What the dashboard, history and interview pages show, worked out here so the templates only
// place values. Dates are rendered in UTC inside <time datetime>; the page scripts re-render
// them in the reader's own time zone.

const DATE_TIMES = new Map<string, Intl.DateTimeFormat>();

/** "4 Dec 2026, 14:02 UTC", or in another IANA time zone, named ("… Europe/Paris"). */
export function dateText(iso: string, timeZone = 'UTC'): string {
  let format = DATE_TIMES.get(timeZone);
  if (!format) DATE_TIMES.set(timeZone, (format = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone })));
  return `${format.format(new Date(iso))} ${timeZone}`;
}

/** The IANA time zone as the reader's browser named it, when the runtime knows it; undefined for anything else. */
export function knownTimeZone(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length === 0 || value.length > 64) return undefined;
  try {
    new Intl.DateTimeFormat('en-GB', { timeZone: value });
    return value;
  } catch {
    return undefined;
  }
}

/** "45 s", "12 min", "1 h 5 min"; a dash when unknown. */
export function durationText(seconds: number | null): string {
  if (seconds === null) return '—';
  const whole = Math.round(seconds);
  if (whole < 60) return `${whole} s`;
  const minutes = Math.round(whole / 60);
  if (minutes < 60) return `${minutes} min`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/** Time into the interview as mm:ss (minutes keep counting past 59). */
export function clock(ms: number, startMs: number): string {
  const s = Math.max(0, Math.round((ms - startMs) / 1000));
  return `${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
}

const ENDED_BY: Record<EndReason, string> = {
  completed: 'Finished by the interviewer',
  candidate: 'Ended by you',
  timeout: 'Time limit reached',
  idle: 'Ended after a long silence',
  error: 'Stopped by an error',
  shutdown: 'Stopped when the server shut down',
};

export type Summary = ReturnType<typeof presentSummary>;

export interface InterviewCard {
  id: string;
  href: string;
  roomHref: string;
  role: string;
  candidate: string;
  level: string;
  mode: string;
  live: boolean;
  dateIso: string;
  dateText: string;
  duration: string;
  stage: string;
  score: number | null;
}

export function interviewCard(s: Summary): InterviewCard {
  return {
    id: s.id,
    href: `/interviews/${s.id}`,
    roomHref: `/interviews/${s.id}/room`,
    ...sharedFacts(s),
    level: levelText(s.experienceLevel) ?? '',
    dateIso: s.createdAt,
    dateText: dateText(s.createdAt),
    duration: durationText(s.durationSeconds),
    stage: s.finalStage ? STAGE_LABELS[s.finalStage] : '—',
    score: s.score,
  };
}

export interface ChartPoint {
  /** Position among all the chart's points, oldest first. */
  index: number;
  x: number;
  y: number;
  score: number;
  role: string;
  series: number;
  dateIso: string;
  /** Date and time in UTC; the page's script puts the reader's own date, with the time where a date repeats. */
  label: string;
}

export interface ScoreChart {
  width: number;
  height: number;
  left: number;
  right: number;
  summary: string;
  grid: { y: number; label: string }[];
  /** One line per role, in the order the roles first appear (oldest first). */
  roles: { name: string; series: number; line: string; points: ChartPoint[] }[];
  xLabels: { x: number; point: number; label: string; anchor: 'start' | 'middle' | 'end' }[];
}

/** Distinct line styles (colour and dash); a sixth role takes the first style again. */
export const CHART_SERIES = 5;
const CHART = { width: 320, height: 150, left: 30, right: 14, top: 12, bottom: 28, maxPoints: 12 };

/**
 * Overall score over time for the newest scored interviews (given newest first), oldest on the
 * left, a line per role (scores for different roles are not one progression). Null until there
 * are two scores.
 */
export function scoreChart(cards: InterviewCard[]): ScoreChart | null {
  const scored = cards.filter((c) => c.score !== null).slice(0, CHART.maxPoints).reverse();
  if (scored.length < 2) return null;
  const { width, height, left, right, top, bottom } = CHART;
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const y = (score: number) => round1(top + ((5 - score) / 4) * plotH);

  const roles: ScoreChart['roles'] = [];
  const byKey = new Map<string, ScoreChart['roles'][number]>();
  const points = scored.map((c, i): ChartPoint => {
    const key = c.role.trim().toLowerCase();
    let role = byKey.get(key);
    if (!role) {
      role = { name: c.role, series: roles.length % CHART_SERIES, line: '', points: [] };
      byKey.set(key, role);
      roles.push(role);
    }
    const point = { index: i, x: round1(left + (i * plotW) / (scored.length - 1)), y: y(c.score!), score: c.score!, role: role.name, series: role.series, dateIso: c.dateIso, label: dateText(c.dateIso) };
    role.points.push(point);
    return point;
  });
  for (const role of roles) role.line = role.points.map((p) => `${p.x},${p.y}`).join(' ');

  const last = points.length - 1;
  return {
    width,
    height,
    left,
    right,
    summary: `Overall score of your last ${scored.length} scored interviews, oldest first, out of 5: ${roles.map((r) => `${r.name} ${r.points.map((p) => p.score).join(', ')}`).join('; ')}.`,
    grid: [1, 2, 3, 4, 5].map((s) => ({ y: y(s), label: String(s) })),
    roles,
    xLabels: [
      { x: points[0]!.x, point: 0, label: points[0]!.label, anchor: 'start' },
      { x: points[last]!.x, point: last, label: points[last]!.label, anchor: 'end' },
    ],
  };
}

export interface TranscriptGroup {
  label: string;
  lines: { who: string; role: 'assistant' | 'user'; time: string; text: string; interrupted: boolean }[];
}

export function transcriptGroups(interview: PresentedInterview, interviewerName: string): TranscriptGroup[] {
  const start = new Date(interview.startedAt).getTime();
  return groupByStage(interview.items as TranscriptItem[]).map((group) => ({
    label: group.label,
    lines: group.items.map((item) => ({
      who: item.role === 'assistant' ? interviewerName : interview.candidateName,
      role: item.role,
      time: clock(item.startedAt, start),
      text: item.text,
      interrupted: Boolean(item.interrupted),
    })),
  }));
}

/** The interview's facts in the page's words; dates in `timeZone` (the page shows UTC, then its script the reader's). */
export function interviewFacts(interview: PresentedInterview, timeZone = 'UTC') {
  return {
    ...sharedFacts(interview),
    level: levelText(interview.experienceLevel) ?? '—',
    dateIso: interview.startedAt,
    dateText: dateText(interview.startedAt, timeZone),
    duration: durationText(interview.durationSeconds),
    endedBy: interview.endedBy ? ENDED_BY[interview.endedBy] : interview.status === 'live' ? 'Still running' : '—',
    stage: interview.finalStage ? STAGE_LABELS[interview.finalStage] : '—',
    skipped: interview.skippedStages.map((s) => STAGE_LABELS[s]).join(', '),
    answers: interview.items.filter((i) => i.role === 'user').length,
    questions: interview.items.filter((i) => i.role === 'assistant').length,
    documents: [interview.hasResume && 'résumé', interview.hasJobDescription && 'job description'].filter(Boolean).join(' and '),
    error: interview.error,
  };
}

export function round1(n: number): number {
  return Math.round(n * 10) / 10;
}

/** What a history card and an interview page both say of an interview. */
function sharedFacts(interview: Pick<PresentedInterview, 'jobRole' | 'candidateName' | 'mode' | 'status'>) {
  return {
    role: interview.jobRole || 'Interview',
    candidate: interview.candidateName,
    mode: MODE_LABELS[interview.mode],
    live: interview.status === 'live',
  };
}

function levelText(level: string | null | undefined): string | undefined {
  return level ? (LEVEL_LABELS[level as ExperienceLevel] ?? level) : undefined;
}
