// A short finished interview and a valid model answer about it, shared by the feedback tests.

import type { TranscriptItem } from '../../agent/protocol.ts';
import type { Stage } from '../../shared/vocabulary.ts';
import type { StageEvent } from '../../server/feedback/analytics.ts';
import type { Feedback } from '../../server/feedback/schema.ts';

export const T0 = 1_700_000_000_000;

let next = 0;
export function item(role: 'user' | 'assistant', stage: Stage, text: string, fromS: number, toS: number): TranscriptItem {
  next += 1;
  return { id: `item-${next}`, role, text, stage, startedAt: T0 + fromS * 1000, endedAt: T0 + toS * 1000 };
}

export const INTERVIEWER_LINE = 'Walk me through a project you are proud of.';

export const interviewItems: TranscriptItem[] = [
  item('assistant', 'welcome', 'Hi Priya, welcome! How are you today?', 0, 4),
  item('user', 'welcome', 'Good, thanks. A little nervous but ready.', 5, 8),
  item('assistant', 'self_intro', 'Tell me a bit about yourself.', 10, 12),
  item('user', 'self_intro', "I'm a frontend engineer with four years at a fintech startup, mostly React and TypeScript.", 13, 20),
  item('assistant', 'past_experience', INTERVIEWER_LINE, 22, 25),
  item('user', 'past_experience', 'Um, we rebuilt the checkout and, you know, conversion went up by twelve percent.', 26, 34),
  item('assistant', 'past_experience', 'What was your part in it?', 35, 37),
  item('user', 'past_experience', 'I did the stuff.', 38, 40),
  item('assistant', 'closing', 'Thanks, that is all from me.', 41, 43),
];

export const interviewStageEvents: StageEvent[] = [
  { stage: 'welcome', at: T0 },
  { stage: 'self_intro', at: T0 + 9_000 },
  { stage: 'past_experience', at: T0 + 21_000 },
  { stage: 'closing', at: T0 + 40_500 },
];

export const interview = {
  jobRole: 'Frontend Engineer',
  experienceLevel: 'mid' as const,
  mode: 'voice' as const,
  items: interviewItems,
  stageEvents: interviewStageEvents,
  endedAt: T0 + 45_000,
};

/** A complete answer the schema accepts; every quote occurs in the candidate's lines above. */
export function validFeedback(): Feedback {
  return {
    overall: { score: 3, headline: 'A solid start with one strong story that needs more of your own part in it.' },
    competencies: [
      { name: 'Impact', score: 4, take: 'You quantified the result of the checkout rebuild.', evidenceQuote: 'conversion went up by twelve percent' },
      { name: 'Ownership', score: 2, take: 'Your own part in the project stayed vague.', evidenceQuote: 'I did the stuff' },
      { name: 'Communication', score: 3, take: 'Clear but brief.', evidenceQuote: "I'm a frontend engineer with four years at a fintech startup" },
    ],
    topStrength: 'You measure outcomes.',
    topImprovement: 'Say what you personally did.',
    strengths: [
      { title: 'Quantified results', quote: 'conversion went up by twelve percent', technique: 'Lead every story with its number.' },
      { title: 'Concise introduction', quote: 'mostly React and TypeScript', technique: 'Add one line on what you want next.' },
    ],
    developmentAreas: [
      { title: 'Ownership', quote: 'I did the stuff', technique: 'Use STAR and spend most of the time on the Action, in the first person.' },
      { title: 'Filler words', quote: 'Um, we rebuilt the checkout', technique: 'Pause silently instead of saying "um"; record yourself for two minutes a day.' },
      { title: 'Depth', quote: null, technique: 'Prepare two follow-up details for each story.' },
    ],
    rewrittenAnswer: {
      question: 'What was your part in it?',
      original: 'I did the stuff.',
      improved: 'I led the payment form rewrite: I split it into three steps and added inline validation.',
      whatChanged: 'It names your actions and the result.',
    },
    stageNotes: [
      { stage: 'self_intro', note: 'Clear and short.' },
      { stage: 'past_experience', note: 'Good result, vague ownership.' },
    ],
    practicePlan: {
      days: Array.from({ length: 7 }, (_, i) => ({
        day: i + 1,
        focus: `Focus ${i + 1}`,
        exercises: [`Exercise ${i + 1}`],
        practiceQuestions: [`Question ${i + 1}?`],
      })),
    },
  };
}
