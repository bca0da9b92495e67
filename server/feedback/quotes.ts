import type { Feedback } from './schema.ts';

// A quote shown as the candidate's own words must be their words. Models paraphrase, stitch and
// occasionally quote the interviewer, so every quote is looked up in the candidate's lines and
// set to null when it is not there. Nothing is ever put in its place.

export interface VerifiedFeedback {
  feedback: Feedback;
  /** How many quotes were set to null because the candidate never said them. */
  droppedQuotes: number;
}

/**
 * Checks every quote in the feedback (competency evidence, strength and development-area
 * quotes, the rewritten answer's original) against `candidateTexts`, the text of each
 * candidate line. A quote is kept when its words occur in the same order, contiguously, within
 * one candidate line, comparing words only: case, whitespace, punctuation (including quote
 * marks around it) and typographic versus straight apostrophes are ignored, and words must
 * match whole ("ed the" is not in "led the"). A kept quote is replaced by the matching span of
 * the candidate's line as transcribed (with the line's full stop, question or exclamation mark
 * when the quote ended with one), so what is shown is exactly what they said. A quote with
 * no words becomes null without being counted as dropped.
 *
 * Ignoring punctuation is looser than "whitespace- and case-insensitive" on purpose: models
 * often drop or add a comma, and since the span shown is always the transcript's own text, not
 * the model's, no word the candidate did not say can be shown as theirs.
 */
export function verifyQuotes(feedback: Feedback, candidateTexts: string[]): VerifiedFeedback {
  const lines = candidateTexts.map((text) => ({ text, words: wordsOf(text) }));
  let droppedQuotes = 0;
  const check = (quote: string | null): string | null => {
    if (quote === null) return null;
    const wanted = wordsOf(quote).map((w) => w.word);
    if (wanted.length === 0) return null;
    for (const line of lines) {
      const at = indexOfRun(line.words.map((w) => w.word), wanted);
      if (at >= 0) {
        let end = line.words[at + wanted.length - 1]!.end;
        // Keep the sentence's closing mark when the model quoted a whole sentence with it.
        if (SENTENCE_END.test(quote)) while (end < line.text.length && '.!?…'.includes(line.text[end]!)) end += 1;
        return line.text.slice(line.words[at]!.start, end);
      }
    }
    droppedQuotes += 1;
    return null;
  };

  const verified: Feedback = {
    ...feedback,
    competencies: feedback.competencies.map((c) => ({ ...c, evidenceQuote: check(c.evidenceQuote) })),
    strengths: feedback.strengths.map((s) => ({ ...s, quote: check(s.quote) })),
    developmentAreas: feedback.developmentAreas.map((d) => ({ ...d, quote: check(d.quote) })),
    rewrittenAnswer: { ...feedback.rewrittenAnswer, original: check(feedback.rewrittenAnswer.original) },
  };
  return { feedback: verified, droppedQuotes };
}

const SENTENCE_END = /[.!?…]["'”’)\]]*\s*$/;
const WORD = /[\p{L}\p{N}]+(?:['’‘ʼ][\p{L}\p{N}]+)*/gu;

interface Word {
  /** Lower-cased, with one kind of apostrophe. */
  word: string;
  start: number;
  end: number;
}

function wordsOf(text: string): Word[] {
  return [...text.matchAll(WORD)].map((m) => ({
    word: m[0].toLowerCase().replace(/[’‘ʼ]/g, "'"),
    start: m.index,
    end: m.index + m[0].length,
  }));
}

function indexOfRun(haystack: string[], needle: string[]): number {
  outer: for (let i = 0; i + needle.length <= haystack.length; i += 1) {
    for (let j = 0; j < needle.length; j += 1) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}
