import { describe, expect, it } from 'vitest';
import { originalFeedbackToMarkdown } from '../../server/feedback/markdown.ts';
import { feedbackStatus, overallScore, readFeedback, scoreOf } from '../../server/feedback/stored-feedback.ts';
import { ORIGINAL_MARKDOWN, ORIGINAL_SCORES } from '../db/mockflow-ai.ts';
import { feedbackData, withScore } from '../web/seed.ts';
import { interviewItems, interviewStageEvents } from './fixture.ts';

const ours = feedbackData(withScore(4), { mode: 'voice', items: interviewItems, stageEvents: interviewStageEvents });

describe('reading stored feedback', () => {
  it('reads ours as ours', () => {
    const stored = readFeedback(JSON.parse(JSON.stringify(ours)));
    expect(stored).toEqual({ shape: 'mockflow', data: ours });
    expect(overallScore(stored)).toBe(4);
  });

  it("reads the original's Markdown report and its scores", () => {
    const stored = readFeedback({ feedback: ORIGINAL_MARKDOWN, scores: ORIGINAL_SCORES });
    expect(stored).toEqual({
      shape: 'mockflow-ai',
      markdown: ORIGINAL_MARKDOWN,
      scores: {
        overall: 3.2,
        headline: 'Solid answers that need more structure.',
        competencies: [
          { name: 'Technical Skills', score: 4, maxScore: 5, take: 'Knew the ledger inside out' },
          { name: 'Communication', score: 3, maxScore: 5, take: 'Room for clearer responses' },
        ],
        topStrength: 'Relevant project experience',
        topImprovement: 'Structure answers more clearly',
        fillerWords: 7,
        answerStructure: 3,
      },
    });
    expect(overallScore(stored)).toBe(3.2);
  });

  it("reads the original's report without scores, and scores that are not numbers as missing", () => {
    const bare = readFeedback({ feedback: '## Overall\n\nFine.' });
    expect(bare).toEqual({ shape: 'mockflow-ai', markdown: '## Overall\n\nFine.', scores: null });
    expect(overallScore(bare)).toBeNull();
    const odd = readFeedback({ feedback: 'ok', scores: { overall_score: 'high', competencies: [{ name: 'X', score: 'a lot' }, { name: 'Y', score: 9, max_score: 10 }] } });
    expect(odd.shape === 'mockflow-ai' && odd.scores).toMatchObject({ overall: null, competencies: [{ name: 'Y', score: 9, maxScore: 10, take: null }] });
  });

  it('calls anything else unreadable, including ours with a broken answer', () => {
    for (const value of [null, 'text', 42, [], {}, { feedback: 7 }, { ...ours, feedback: { overall: 'great' } }, { ...ours, generatedAt: 'yesterday' }]) {
      expect(readFeedback(value)).toEqual({ shape: 'unreadable' });
    }
    expect(feedbackStatus({ feedback_status: null }, { shape: 'unreadable' })).toBe('none');
    expect(feedbackStatus({ feedback_status: null }, readFeedback({ feedback: 'x' }))).toBe('ready');
  });

  it('takes an overall score out of 5 only', () => {
    expect([scoreOf(3), scoreOf(3.25), scoreOf(0), scoreOf(5.5), scoreOf(-1), scoreOf('3'), scoreOf(null), scoreOf(Number.NaN)]).toEqual([3, 3.3, 0, null, null, null, null, null]);
  });

  it("downloads the original's feedback as its scores, then its own report as written", () => {
    const stored = readFeedback({ feedback: ORIGINAL_MARKDOWN, scores: ORIGINAL_SCORES });
    if (stored.shape !== 'mockflow-ai') throw new Error('expected the original shape');
    const md = originalFeedbackToMarkdown({ candidateName: 'Sam Lee', jobRole: 'Backend Engineer', experienceLevel: 'mid', mode: 'voice', interviewDate: '2023-11-14T22:13:20Z' }, stored);
    expect(md).toContain('# Interview feedback: Backend Engineer');
    expect(md).toContain('Candidate: Sam Lee · Interview: 2023-11-14 · Feedback by MockFlow-AI');
    expect(md).toContain('## Overall: 3.2/5');
    expect(md).toContain('- Answer structure: 3/5');
    expect(md.endsWith(`${ORIGINAL_MARKDOWN.trim()}\n`)).toBe(true);
  });
});
