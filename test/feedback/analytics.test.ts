import { describe, expect, it } from 'vitest';
import type { TranscriptItem } from '../../agent/protocol.ts';
import type { Stage } from '../../shared/vocabulary.ts';
import { computeAnalytics, round, wordsOf, type StageEvent } from '../../server/feedback/analytics.ts';

// A hand-written interview whose numbers can be checked with a pencil. Times are seconds from
// the start. Word counts and fillers are worked out next to each line.
const T0 = 1_700_000_000_000;
const at = (seconds: number) => T0 + seconds * 1000;
let n = 0;
const line = (role: 'user' | 'assistant', stage: Stage, text: string, from: number, to: number): TranscriptItem => ({
  id: `i${(n += 1)}`,
  role,
  text,
  stage,
  startedAt: at(from),
  endedAt: at(to),
});

const items: TranscriptItem[] = [
  // 7 words, 5 s, a question (welcome)
  line('assistant', 'welcome', 'Hi Sam, welcome. How are you today?', 0, 5),
  // 5 words ("I'm" is one), 4 s; no fillers ("So" is not one)
  line('user', 'welcome', "Good, thanks. So, I'm ready.", 6, 10),
  // 5 words, 5 s, a question by request ("Tell me about…", no question mark)
  line('assistant', 'self_intro', 'Tell me about yourself please.', 30, 35),
  // 19 words, 30 s; fillers: um, you know ("I like Go" and "likely" are not)
  line('user', 'self_intro', "Um, I'm a backend engineer. I like Go, and I'm likely to, you know, talk a lot about it.", 36, 66),
  // 7 words, 6 s, follows the line above with no interviewer line between: same answer (19 + 7 = 26)
  // no fillers ("You knew" is not "you know", "I mean" is not counted)
  line('user', 'self_intro', 'You knew that already, I mean it.', 67, 73),
  // 10 words, 10 s, one question item (two question marks still count once)
  line('assistant', 'past_experience', 'Walk me through a project you led. What was hard?', 90, 100),
  // 27 words, 30 s; fillers: uh, um ("umm"), like (set off by commas)
  // not fillers: basically, kind of, actually, sort of, "I meant"
  line(
    'user',
    'past_experience',
    'Basically we kind of rebuilt billing. Actually it was sort of hard. They were kind. Of course, I meant to say: uh, umm, it was, like, fine.',
    101,
    131,
  ),
  // 7 words, 5 s, not a question; its "like" is the interviewer's and is not counted
  line('assistant', 'past_experience', 'Thanks. That sounds like a big project.', 132, 137),
  // 5 words, 5 s, a question
  line('assistant', 'past_experience', 'What would you do differently?', 138, 143),
  // 6 words, 10 s; no fillers ("so" in any case is not one)
  line('user', 'past_experience', "SO I'd test more. So so.", 144, 154),
  // 5 words, 10 s, not a question; company_fit was skipped
  line('assistant', 'closing', "Thanks, that's all from me.", 210, 220),
];

const stageEvents: StageEvent[] = [
  { stage: 'welcome', at: at(0) },
  { stage: 'self_intro', at: at(30) },
  { stage: 'past_experience', at: at(90) },
  { stage: 'closing', at: at(210) },
];

// Candidate: 5 + 19 + 7 + 27 + 6 = 64 words in 4 + 30 + 6 + 30 + 10 = 80 s.
// Interviewer: 7 + 5 + 10 + 7 + 5 + 5 = 39 words in 5 + 5 + 10 + 5 + 5 + 10 = 40 s.
// Fillers: um 1 + 1 = 2, uh 1, like 1, you know 1: total 5.
const BY_WORD = { um: 2, uh: 1, er: 0, erm: 0, like: 1, 'you know': 1 };

describe('speaking analytics', () => {
  it('counts a voice interview exactly', () => {
    expect(computeAnalytics({ mode: 'voice', items, stageEvents, endedAt: at(240) })).toEqual({
      candidateWords: 64,
      candidateSpeakingSeconds: 80,
      // 5 fillers in 80 s = 3.75 per minute, rounded half up to 1 decimal
      fillerWords: { total: 5, perMinute: 3.8, byWord: BY_WORD },
      // 64 words in 80 s
      wordsPerMinute: 48,
      // 80 s of 120 s
      talkTimeShare: { basis: 'time', candidate: 0.667, interviewer: 0.333 },
      // answers of 5, 26, 27 and 6 words: 64 / 4
      answers: { count: 4, averageWords: 16, shortestWords: 5, longestWords: 27 },
      questionsPerStage: { welcome: 1, self_intro: 1, past_experience: 2, company_fit: 0, closing: 0 },
      // 0→30, 30→90, 90→210, skipped, 210→240
      timePerStageSeconds: { welcome: 30, self_intro: 60, past_experience: 120, company_fit: 0, closing: 30 },
    });
  });

  it('counts a text interview by words, with no fillers and no pace: they would describe typing', () => {
    const result = computeAnalytics({ mode: 'text', items, stageEvents, endedAt: at(240) });
    expect(result.candidateSpeakingSeconds).toBeNull();
    expect(result.fillerWords).toBeNull();
    expect(result.wordsPerMinute).toBeNull();
    // 64 of 103 words = 0.62136, 39 of 103 = 0.37864
    expect(result.talkTimeShare).toEqual({ basis: 'words', candidate: 0.621, interviewer: 0.379 });
    expect(result.answers).toEqual({ count: 4, averageWords: 16, shortestWords: 5, longestWords: 27 });
  });

  it('runs the last stage to the last item when the end time is unknown, and sorts stage events', () => {
    const shuffled = [stageEvents[2]!, stageEvents[0]!, stageEvents[3]!, stageEvents[1]!];
    const result = computeAnalytics({ mode: 'voice', items, stageEvents: shuffled });
    expect(result.timePerStageSeconds).toEqual({ welcome: 30, self_intro: 60, past_experience: 120, company_fit: 0, closing: 10 });
  });

  it('takes stage entries from the items when there are no stage events', () => {
    const result = computeAnalytics({ mode: 'voice', items, stageEvents: [], endedAt: at(240) });
    // welcome 0→30, self_intro 30→90, past_experience 90→210, closing 210→240
    expect(result.timePerStageSeconds).toEqual({ welcome: 30, self_intro: 60, past_experience: 120, company_fit: 0, closing: 30 });
  });

  it('falls back to words for talk share when voice items carry no durations', () => {
    const untimed = items.map((i) => ({ ...i, endedAt: i.startedAt }));
    const result = computeAnalytics({ mode: 'voice', items: untimed, stageEvents });
    expect(result.candidateSpeakingSeconds).toBeNull();
    expect(result.wordsPerMinute).toBeNull();
    expect(result.fillerWords).toEqual({ total: 5, perMinute: null, byWord: BY_WORD });
    expect(result.talkTimeShare?.basis).toBe('words');
  });

  it('has zeros and nulls for an empty transcript', () => {
    const result = computeAnalytics({ mode: 'voice', items: [], stageEvents: [] });
    expect(result.answers).toEqual({ count: 0, averageWords: 0, shortestWords: 0, longestWords: 0 });
    expect(result.talkTimeShare).toBeNull();
    expect(result.fillerWords?.total).toBe(0);
    expect(Object.values(result.timePerStageSeconds)).toEqual([0, 0, 0, 0, 0]);
  });

  it('does not count an empty candidate item as an answer', () => {
    const result = computeAnalytics({
      mode: 'text',
      items: [line('assistant', 'welcome', 'Hello?', 0, 1), line('user', 'welcome', '  ...  ', 1, 2), line('user', 'welcome', 'Hi.', 2, 3)],
      stageEvents: [],
    });
    expect(result.answers).toEqual({ count: 1, averageWords: 1, shortestWords: 1, longestWords: 1 });
  });
});

describe('words', () => {
  it('keeps typographic apostrophes inside a word and splits at hyphens', () => {
    expect(wordsOf('I’m sure it’s well-known')).toEqual(['I’m', 'sure', 'it’s', 'well', 'known']);
  });
});

describe('rounding', () => {
  it('rounds half up at the given places', () => {
    expect(round(11.25, 1)).toBe(11.3);
    expect(round(1.005, 2)).toBe(1.01);
    expect(round(2 / 3, 3)).toBe(0.667);
    expect(round(48, 1)).toBe(48);
  });
});
