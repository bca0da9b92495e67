import { z } from 'zod';
import { STAGES } from '../../shared/vocabulary.ts';

// The feedback a model must produce, defined once. The zod schema validates the answer
// (counts, score ranges); `feedbackJsonSchema()` derives what the model is shown. Descriptions
// are written for the model: they are its instructions for each field.
//
// Quotes are nullable: a model with no fitting quote should say so rather than invent one, and
// verifyQuotes() sets a quote it cannot find in the candidate's own words to null.

const score = z
  .number()
  .int()
  .min(1)
  .max(5)
  .describe('Whole number from 1 to 5: 1 poor, 2 weak, 3 adequate, 4 strong, 5 exceptional for this role and level.');

const quote = z
  .string()
  .nullable()
  .describe(
    "Words copied exactly from one of the candidate's lines: a contiguous span of at most 30 words, no ellipsis, no paraphrase. Null if nothing they said fits.",
  );

const technique = z.string().describe('One concrete technique or exercise to practise, in one or two sentences.');

const Competency = z.object({
  name: z.string().describe('A competency that matters for this role, e.g. "Structured communication".'),
  score,
  take: z.string().describe('One line on how the candidate showed this competency.'),
  evidenceQuote: quote,
});

const Strength = z.object({
  title: z.string().describe('A short name for the strength.'),
  quote,
  technique: technique.describe('How to make even more of this strength, as one concrete technique to practise.'),
});

const DevelopmentArea = z.object({
  title: z.string().describe('A short name for what to improve.'),
  quote,
  technique,
});

const PracticeDay = z.object({
  day: z.number().int().min(1).max(14).describe('Day number, starting at 1.'),
  focus: z.string().describe("The day's focus in a few words."),
  exercises: z.array(z.string()).min(1).max(4).describe('1 to 4 short exercises for the day.'),
  practiceQuestions: z.array(z.string()).min(1).max(4).describe('1 to 4 interview questions for this role to practise answering aloud.'),
});

export const FeedbackSchema = z.object({
  overall: z.object({
    score,
    headline: z.string().describe('One sentence summing up the interview.'),
  }),
  competencies: z.array(Competency).min(3).max(5).describe('3 to 5 competencies relevant to the role.'),
  topStrength: z.string().describe('The single most important strength, in one sentence.'),
  topImprovement: z.string().describe('The single most valuable improvement, in one sentence.'),
  strengths: z.array(Strength).min(2).max(3).describe('2 to 3 strengths.'),
  developmentAreas: z.array(DevelopmentArea).min(3).max(4).describe('3 to 4 development areas.'),
  rewrittenAnswer: z
    .object({
      question: z.string().describe('The interviewer question the weak answer responded to.'),
      original: quote.describe("The candidate's weak answer, copied exactly from their line (or the weakest contiguous part of it)."),
      improved: z.string().describe('The same answer rewritten as a strong answer, in the first person, true to what they said.'),
      whatChanged: z.string().describe('What changed and why it is better, in one to three sentences.'),
    })
    .describe('One weak answer rewritten.'),
  stageNotes: z
    .array(
      z.object({
        stage: z.enum(STAGES),
        note: z.string().describe('One or two sentences on how this stage went.'),
      }),
    )
    .min(1)
    .max(STAGES.length)
    .describe('A note for each interview stage that appears in the transcript, in order.'),
  practicePlan: z
    .object({
      days: z.array(PracticeDay).min(7).max(14).describe('7 to 14 days, one entry per day.'),
    })
    .describe('A one-to-two-week practice plan for this role.'),
});

export type Feedback = z.infer<typeof FeedbackSchema>;
export type Competency = z.infer<typeof Competency>;
export type Strength = z.infer<typeof Strength>;
export type DevelopmentArea = z.infer<typeof DevelopmentArea>;
export type PracticeDay = z.infer<typeof PracticeDay>;

/** The name given to the schema in `response_format.json_schema`. */
export const FEEDBACK_SCHEMA_NAME = 'interview_feedback';

// OpenAI's strict mode (and stricter OpenAI-compatible providers) accept only a subset of JSON
// Schema. Bounds are stated in each description and enforced by FeedbackSchema afterwards.
const UNSUPPORTED_KEYWORDS = new Set([
  '$schema',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'multipleOf',
  'minItems',
  'maxItems',
  'minLength',
  'maxLength',
  'pattern',
  'format',
]);

let cached: Record<string, unknown> | undefined;

/**
 * The JSON schema shown to the model, valid for strict structured outputs: every object lists
 * all its properties as required and has additionalProperties false; no bound keywords.
 */
export function feedbackJsonSchema(): Record<string, unknown> {
  cached ??= strip(z.toJSONSchema(FeedbackSchema)) as Record<string, unknown>;
  return structuredClone(cached);
}

function strip(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(strip);
  if (typeof node !== 'object' || node === null) return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    // Inside `properties` the keys are field names, not keywords.
    if (key === 'properties') out[key] = Object.fromEntries(Object.entries(value as object).map(([k, v]) => [k, strip(v)]));
    else if (!UNSUPPORTED_KEYWORDS.has(key)) out[key] = strip(value);
  }
  return out;
}

/** The first few problems with a parsed answer, in words the model can act on. */
export function describeProblems(error: z.ZodError, limit = 6): string {
  const lines = error.issues.slice(0, limit).map((issue) => {
    const path = issue.path.length > 0 ? issue.path.join('.') : '(top level)';
    return `- ${path}: ${issue.message}`;
  });
  if (error.issues.length > limit) lines.push(`- and ${error.issues.length - limit} more`);
  return lines.join('\n');
}
