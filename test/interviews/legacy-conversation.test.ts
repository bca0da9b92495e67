import { describe, expect, it } from 'vitest';
import { readConversation } from '../../server/interviews/legacy-conversation.ts';
import { readInterviewRow } from '../../server/interviews/stored-interview.ts';
import { interviewItems } from '../feedback/fixture.ts';
import { FRAGMENTED_CONVERSATION, T0_S } from '../db/mockflow-ai.ts';

const ms = (s: number) => Math.round((T0_S + s) * 1000);

describe('reading a conversation the Python original stored', () => {
  it('joins the fragments of each answer into one candidate turn between interviewer lines, with stages and times carried over', () => {
    const { items, problem, original } = readConversation(FRAGMENTED_CONVERSATION);
    expect(problem).toBeNull();
    expect(original).toBe(true);
    expect(items.map((i) => [i.role, i.stage, i.text])).toEqual([
      ['assistant', 'welcome', 'Hi Sam, welcome to MockFlow. Are you ready to begin?'],
      ['user', 'welcome', "Hello. I'm. ready to start"],
      ['assistant', 'self_intro', 'Great. Tell me a little about yourself.'],
      ['user', 'self_intro', 'so basically I um worked on payments at a fintech for three years'],
      ['assistant', 'past_experience', 'Describe a hard project you worked on.'],
      ['user', 'past_experience', 'We rebuilt the ledger without downtime.'],
      ['assistant', 'closing', 'Thank you, that is all from me today.'],
    ]);
    // Epoch seconds (floats) become epoch milliseconds; a joined answer spans its fragments.
    expect(items[0]).toMatchObject({ startedAt: ms(0.25), endedAt: ms(0.25) });
    expect(items[1]).toMatchObject({ startedAt: ms(4.5), endedAt: ms(6) });
    expect(items[3]).toMatchObject({ startedAt: ms(12), endedAt: ms(17) });
    expect(new Set(items.map((i) => i.id)).size).toBe(items.length);
  });

  it('interleaves the two lists by time whatever order they are stored in, the interviewer first at a tie', () => {
    const { items } = readConversation({
      user: [
        { index: 1, text: 'second half', timestamp: T0_S + 3 },
        { index: 0, text: 'first half', timestamp: T0_S + 2 },
        { index: 2, text: 'after the question', timestamp: T0_S + 5 },
      ],
      agent: [
        { index: 1, text: 'Next question?', timestamp: T0_S + 5, stage: 'self_intro' },
        { index: 0, text: 'Hello!', timestamp: T0_S + 1, stage: 'welcome' },
      ],
    });
    expect(items.map((i) => i.text)).toEqual(['Hello!', 'first half second half', 'Next question?', 'after the question']);
    expect(items.at(-1)!.stage).toBe('self_intro');
  });

  it('gives an interviewer line with an unknown stage the stage before it, and a candidate who spoke first the first stage', () => {
    const { items } = readConversation({
      agent: [
        { index: 0, text: 'Welcome.', timestamp: T0_S + 2, stage: 'self_intro' },
        { index: 1, text: 'A coding question.', timestamp: T0_S + 4, stage: 'technical' },
      ],
      user: [{ index: 0, text: 'Hi there', timestamp: T0_S + 1 }],
    });
    expect(items.map((i) => [i.text, i.stage])).toEqual([
      ['Hi there', 'self_intro'],
      ['Welcome.', 'self_intro'],
      ['A coding question.', 'self_intro'],
    ]);
  });

  it('reads {} and NULL as nothing said, and our own items as they are', () => {
    expect(readConversation({})).toEqual({ items: [], problem: null, original: true });
    expect(readConversation(null)).toEqual({ items: [], problem: null, original: false });
    expect(readConversation(interviewItems)).toEqual({ items: interviewItems, problem: null, original: false });
  });

  it('leaves out what it cannot read and says how much', () => {
    const partly = readConversation({
      agent: [{ index: 0, text: 'Hello', timestamp: T0_S }, { index: 1, text: 'No time' }, 'junk'],
      user: [{ index: 0, text: 'Hi', timestamp: 1e300 }],
    });
    expect(partly.items.map((i) => i.text)).toEqual(['Hello']);
    expect(partly.problem).toBe('3 transcript lines could not be read and are not shown.');

    const ours = readConversation([interviewItems[0], { role: 'robot', text: 'x', startedAt: 1 }, 7]);
    expect(ours.items).toEqual([interviewItems[0]]);
    expect(ours.problem).toBe('2 transcript lines could not be read and are not shown.');

    for (const stored of ['a string', 42, true, { messages: [] }]) {
      const reading = readConversation(stored);
      expect(reading.items).toEqual([]);
      expect(reading.problem).toMatch(/cannot read/);
    }
  });
});

describe('reading an interview row the Python original stored', () => {
  const migratedAt = new Date('2026-12-01T00:00:00Z');
  const original = {
    id: '5b0f1c52-57f8-4bd5-9c39-1a4c1fd1e0a1',
    user_id: '0c7b3a55-2f6b-4a8e-9d6f-3f1e6a2b9c10',
    candidate_name: 'Sam Lee',
    interview_date: new Date('2023-11-14T22:14:30Z'),
    room_name: 'interview-sam-lee-1700000000',
    job_role: '',
    experience_level: '',
    conversation: FRAGMENTED_CONVERSATION,
    total_messages: { agent: 4, user: 7 },
    skipped_stages: null,
    final_stage: '',
    ended_by: 'natural_completion',
    has_resume: null,
    has_jd: false,
    created_at: new Date('2023-11-14T22:14:30Z'),
    // What the migrations gave it.
    mode: 'voice',
    status: 'ended',
    stage_events: [],
    metrics: [],
    started_at: migratedAt,
    ended_at: null,
    patience: 'normal',
    error_message: null,
    feedback_status: null,
    feedback_error: null,
  };

  it('turns its values into ours, and takes its times from its transcript rather than from the migration', () => {
    const row = readInterviewRow(original);
    expect(row).toMatchObject({
      job_role: null,
      experience_level: null,
      final_stage: null,
      skipped_stages: [],
      ended_by: 'completed',
      total_messages: { assistant: 4, user: 7 },
      has_resume: false,
      problems: [],
    });
    expect(row.started_at.getTime()).toBe(ms(0.25));
    expect(row.ended_at!.getTime()).toBe(ms(62));
    expect(row.conversation).toHaveLength(7);
    expect(readInterviewRow({ ...original, ended_by: 'user_disconnect' }).ended_by).toBe('candidate');
    expect(readInterviewRow({ ...original, ended_by: 'unknown' }).ended_by).toBeNull();
  });

  it('without a transcript, dates it by its interview date', () => {
    const row = readInterviewRow({ ...original, conversation: null, total_messages: null });
    expect(row.started_at).toEqual(original.interview_date);
    expect(row.ended_at).toBeNull();
    expect(row.total_messages).toEqual({ assistant: 0, user: 0 });
  });

  it('keeps the times of a row this server made (it has stage events)', () => {
    const startedAt = new Date('2026-12-02T10:00:00Z');
    const row = readInterviewRow({ ...original, conversation: interviewItems, stage_events: [{ stage: 'welcome', previous: null, by: 'start', at: startedAt.getTime() }], started_at: startedAt });
    expect(row.started_at).toEqual(startedAt);
  });
});
