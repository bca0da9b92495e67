import { describe, expect, it } from 'vitest';
import { verifyQuotes } from '../../server/feedback/quotes.ts';
import { INTERVIEWER_LINE, interviewItems, validFeedback } from './fixture.ts';

const candidateTexts = interviewItems.filter((i) => i.role === 'user').map((i) => i.text);

describe('quote check', () => {
  it('keeps quotes that are the candidate’s words, whatever the case, spacing, punctuation or apostrophes', () => {
    const feedback = validFeedback();
    feedback.competencies[0]!.evidenceQuote = '  "Conversion   WENT up\nby twelve percent."  ';
    feedback.competencies[2]!.evidenceQuote = '“I’m a frontend engineer with four years”';
    feedback.strengths[1]!.quote = 'mostly react, and typescript';
    const { feedback: checked, droppedQuotes } = verifyQuotes(feedback, candidateTexts);
    expect(droppedQuotes).toBe(0);
    // What is shown is the transcript's own text for the span.
    expect(checked.competencies[0]!.evidenceQuote).toBe('conversion went up by twelve percent.');
    expect(checked.competencies[2]!.evidenceQuote).toBe("I'm a frontend engineer with four years");
    expect(checked.strengths[1]!.quote).toBe('mostly React and TypeScript');
    expect(checked.rewrittenAnswer.original).toBe('I did the stuff.');
  });

  it('keeps a quote that differs only in punctuation, and shows the transcript’s punctuation, not the model’s', () => {
    const feedback = validFeedback();
    // The model dropped the commas of "Um, we rebuilt the checkout and, you know, conversion…".
    feedback.developmentAreas[1]!.quote = 'um we rebuilt the checkout and you know conversion went up';
    // …and here added one, and a full stop mid-line.
    feedback.competencies[1]!.evidenceQuote = 'I did, the stuff';
    const { feedback: checked, droppedQuotes } = verifyQuotes(feedback, candidateTexts);
    expect(droppedQuotes).toBe(0);
    expect(checked.developmentAreas[1]!.quote).toBe('Um, we rebuilt the checkout and, you know, conversion went up');
    expect(checked.competencies[1]!.evidenceQuote).toBe('I did the stuff');
  });

  it('drops a quote with any word changed, even when it reads the same', () => {
    const feedback = validFeedback();
    feedback.competencies[0]!.evidenceQuote = 'conversion went up by 12 percent';
    feedback.strengths[1]!.quote = 'mostly React and Typescripts';
    const { feedback: checked, droppedQuotes } = verifyQuotes(feedback, candidateTexts);
    expect(droppedQuotes).toBe(2);
    expect(checked.competencies[0]!.evidenceQuote).toBeNull();
    expect(checked.strengths[1]!.quote).toBeNull();
  });

  it('drops a made-up quote', () => {
    const feedback = validFeedback();
    feedback.developmentAreas[0]!.quote = 'I was responsible for the whole payment system';
    const { feedback: checked, droppedQuotes } = verifyQuotes(feedback, candidateTexts);
    expect(droppedQuotes).toBe(1);
    expect(checked.developmentAreas[0]!.quote).toBeNull();
    expect(checked.developmentAreas[0]!.title).toBe('Ownership');
  });

  it('drops the interviewer’s words offered as the candidate’s', () => {
    const feedback = validFeedback();
    feedback.strengths[0]!.quote = INTERVIEWER_LINE;
    feedback.rewrittenAnswer.original = 'What was your part in it?';
    const { feedback: checked, droppedQuotes } = verifyQuotes(feedback, candidateTexts);
    expect(droppedQuotes).toBe(2);
    expect(checked.strengths[0]!.quote).toBeNull();
    expect(checked.rewrittenAnswer.original).toBeNull();
  });

  it('drops quotes stitched across lines, cut mid-word, or with words left out', () => {
    const feedback = validFeedback();
    feedback.competencies[0]!.evidenceQuote = 'ready. I’m a frontend engineer'; // two lines
    feedback.competencies[1]!.evidenceQuote = 'onversion went up'; // part of a word
    feedback.competencies[2]!.evidenceQuote = 'we rebuilt the checkout and conversion went up'; // "you know" left out
    const { feedback: checked, droppedQuotes } = verifyQuotes(feedback, candidateTexts);
    expect(droppedQuotes).toBe(3);
    expect(checked.competencies.map((c) => c.evidenceQuote)).toEqual([null, null, null]);
  });

  it('leaves null quotes alone and does not count empty ones', () => {
    const feedback = validFeedback();
    feedback.strengths[0]!.quote = ' … ';
    const { feedback: checked, droppedQuotes } = verifyQuotes(feedback, candidateTexts);
    expect(droppedQuotes).toBe(0);
    expect(checked.strengths[0]!.quote).toBeNull();
    expect(checked.developmentAreas[2]!.quote).toBeNull();
  });
});
