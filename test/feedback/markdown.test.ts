import { describe, expect, it } from 'vitest';
import { computeAnalytics } from '../../server/feedback/analytics.ts';
import { bestAndWeakest, feedbackToMarkdown } from '../../server/feedback/markdown.ts';
import { interview, validFeedback } from './fixture.ts';

const meta = {
  candidateName: 'Priya Shah',
  jobRole: 'Frontend Engineer',
  experienceLevel: 'mid' as const,
  mode: 'voice' as const,
  interviewDate: '2025-03-01T09:00:00Z',
  generatedAt: new Date('2025-03-01T10:00:00Z'),
  model: 'gpt-4o-mini',
};

describe('feedback as Markdown', () => {
  const feedback = validFeedback();
  feedback.rewrittenAnswer.original = 'I did the stuff.\nThat was it.';
  const analytics = computeAnalytics(interview);
  const md = feedbackToMarkdown(meta, feedback, analytics);

  it('has the title, facts, overall score and headline', () => {
    expect(md).toMatch(/^# Interview feedback: Frontend Engineer\n\nCandidate: Priya Shah · Level: mid · Mode: voice · Interview: 2025-03-01 · Feedback generated: 2025-03-01 by gpt-4o-mini\n/);
    expect(md).toContain('## Overall: 3/5\n\nA solid start with one strong story');
    expect(md).toContain('**Top strength:** You measure outcomes.');
    expect(md).toContain('**Top improvement:** Say what you personally did.');
  });

  it('scores competencies as n/5 with their quotes as blockquotes, and calls out the best and weakest', () => {
    expect(md).toContain('Best: Impact (4/5) · Weakest: Ownership (2/5)');
    expect(md).toContain('### Impact: 4/5\n\nYou quantified the result of the checkout rebuild.\n\n> conversion went up by twelve percent\n');
    expect(md).toContain('### Ownership\n\n> I did the stuff\n\n**Practise:** Use STAR');
  });

  it('leaves out a dropped quote rather than showing anything in its place', () => {
    expect(md).toContain('### Depth\n\n**Practise:** Prepare two follow-up details');
  });

  it('shows the rewritten answer, quoting every line of the original', () => {
    expect(md).toContain('**Question:** What was your part in it?');
    expect(md).toContain('**What you said:**\n\n> I did the stuff.\n> That was it.\n');
    expect(md).toContain('**A stronger answer:**\n\n> I led the payment form rewrite');
    expect(md).toContain('**What changed:** It names your actions and the result.');
  });

  it('has stage notes, the speaking analytics and the practice plan', () => {
    expect(md).toContain('- **Past experience:** Good result, vague ownership.');
    // 4 answers: 7, 15, 14 and 4 words; 40 words in 3 + 7 + 8 + 2 = 20 s; 2 fillers
    expect(md).toContain(`- Filler words: 2 (6 per minute of your speech)\n  - "um" 1, "you know" 1`);
    expect(md).toContain('- Speaking pace: 120 words per minute');
    expect(md).toContain('- Answers: 4; average 10 words, shortest 4, longest 15');
    // 20 s of the candidate's, 4 + 2 + 3 + 2 + 2 = 13 s of the interviewer's
    expect(md).toContain('- Talk share (by speaking time): you 60.6%, interviewer 39.4%');
    expect(md).toContain('| Past experience | 2 | 20 s |'); // 19.5 s, shown in whole seconds
    expect(md).toContain('| Company and role fit | 0 | 0 s |');
    expect(md).toContain('### Day 1: Focus 1\n\nExercises:\n\n- Exercise 1\n\nQuestions to practise:\n\n- Question 1?');
    expect(md).toContain('### Day 7: Focus 7');
    expect(md.endsWith('- Question 7?\n')).toBe(true);
  });

  it('picks the first of equal scores as best and weakest', () => {
    const competencies = validFeedback().competencies.map((c) => ({ ...c, score: 3 }));
    expect(bestAndWeakest(competencies)).toEqual({ best: competencies[0], weakest: competencies[0] });
    expect(bestAndWeakest([])).toBeNull();
  });
});
