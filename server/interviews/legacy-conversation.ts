import { type TranscriptItem } from '../../agent/protocol.ts';
import { STAGES, type Stage } from '../../shared/vocabulary.ts';

// Every shape `interviews.conversation` has been stored in, read into transcript items:
// - ours: an array of TranscriptItem;
// - the Python original's (MockFlow-AI): {"agent": [{index, text, timestamp, stage}], "user":
//   [{index, text, timestamp}]}, timestamps in epoch seconds, the user list holding speech-to-text
//   fragments (often dozens per answer) that interleave with the agent's lines by time;
// - `{}` (nothing said) and NULL (a column the original added later, without a default).
// Nothing stored is changed: this runs on every read. What cannot be read is left out and
// counted in `problem`, so a page can show the rest and say what is missing.

export interface ConversationReading {
  items: TranscriptItem[];
  /** What could not be read, in a sentence for the interview page; null when everything was. */
  problem: string | null;
  /** True when the conversation is in the Python original's shape. */
  original: boolean;
}

const ROLES = new Set(['assistant', 'user']);
// Epoch milliseconds from 2000 to 2100: anything else is not a time this product wrote.
const EARLIEST_MS = 946_684_800_000;
const LATEST_MS = 4_102_444_800_000;

function isStage(value: unknown): value is Stage {
  return typeof value === 'string' && (STAGES as readonly string[]).includes(value);
}

function isTime(ms: unknown): ms is number {
  return typeof ms === 'number' && Number.isFinite(ms) && ms >= EARLIEST_MS && ms <= LATEST_MS;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function unreadLines(count: number): string | null {
  if (count === 0) return null;
  return count === 1 ? '1 transcript line could not be read and is not shown.' : `${count} transcript lines could not be read and are not shown.`;
}

export function readConversation(stored: unknown): ConversationReading {
  if (stored === null || stored === undefined) return { items: [], problem: null, original: false };
  if (Array.isArray(stored)) return readOurs(stored);
  if (isRecord(stored) && (Object.keys(stored).length === 0 || 'agent' in stored || 'user' in stored)) return readOriginal(stored);
  return { items: [], problem: 'The transcript is stored in a form this server cannot read, so it is not shown.', original: false };
}

function readOurs(stored: unknown[]): ConversationReading {
  const items: TranscriptItem[] = [];
  let unread = 0;
  for (const [position, value] of stored.entries()) {
    if (!isRecord(value) || !ROLES.has(value.role as string) || typeof value.text !== 'string' || !isTime(value.startedAt)) {
      unread++;
      continue;
    }
    const stage = isStage(value.stage) ? value.stage : (items.at(-1)?.stage ?? 'welcome');
    items.push({
      id: typeof value.id === 'string' ? value.id : `line-${position}`,
      role: value.role as TranscriptItem['role'],
      text: value.text,
      stage,
      startedAt: value.startedAt,
      endedAt: isTime(value.endedAt) && value.endedAt >= value.startedAt ? value.endedAt : value.startedAt,
      ...(value.interrupted === true ? { interrupted: true } : {}),
    });
  }
  return { items, problem: unreadLines(unread), original: false };
}

interface OriginalLine {
  role: TranscriptItem['role'];
  index: number;
  text: string;
  at: number;
  stage: Stage | null;
}

function originalLines(list: unknown, role: TranscriptItem['role']): { lines: OriginalLine[]; unread: number } {
  if (list === undefined || list === null) return { lines: [], unread: 0 };
  if (!Array.isArray(list)) return { lines: [], unread: 1 };
  const lines: OriginalLine[] = [];
  let unread = 0;
  for (const [position, value] of list.entries()) {
    const at = isRecord(value) && typeof value.timestamp === 'number' ? Math.round(value.timestamp * 1000) : NaN;
    if (!isRecord(value) || typeof value.text !== 'string' || !isTime(at)) {
      unread++;
      continue;
    }
    const index = typeof value.index === 'number' && Number.isFinite(value.index) ? value.index : position;
    lines.push({ role, index, text: value.text.trim(), at, stage: isStage(value.stage) ? value.stage : null });
  }
  return { lines, unread };
}

/**
 * The original's two lists interleaved by time (the interviewer first at a tie), each run of
 * candidate fragments between two interviewer lines joined into one answer, said in the stage of
 * the interviewer line before it.
 */
function readOriginal(stored: Record<string, unknown>): ConversationReading {
  const agent = originalLines(stored.agent, 'assistant');
  const user = originalLines(stored.user, 'user');
  const lines = [...agent.lines, ...user.lines].sort(
    (a, b) => a.at - b.at || (a.role === b.role ? a.index - b.index : a.role === 'assistant' ? -1 : 1),
  );

  const items: TranscriptItem[] = [];
  let stage: Stage = agent.lines.find((l) => l.stage)?.stage ?? 'welcome';
  for (const line of lines) {
    if (line.role === 'assistant') {
      stage = line.stage ?? stage;
      if (line.text) items.push({ id: `mockflow-ai-agent-${line.index}`, role: 'assistant', text: line.text, stage, startedAt: line.at, endedAt: line.at });
      continue;
    }
    if (!line.text) continue;
    const last = items.at(-1);
    if (last?.role === 'user') {
      last.text = `${last.text} ${line.text}`;
      last.endedAt = line.at;
    } else {
      items.push({ id: `mockflow-ai-user-${line.index}`, role: 'user', text: line.text, stage: line.stage ?? stage, startedAt: line.at, endedAt: line.at });
    }
  }
  return { items, problem: unreadLines(agent.unread + user.unread), original: true };
}
