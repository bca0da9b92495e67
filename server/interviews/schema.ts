import { z } from 'zod';
import { ANSWER_MAX_CHARS, CANDIDATE_NAME_MAX_CHARS, DEFAULT_PATIENCE, EXPERIENCE_LEVELS, JOB_DESCRIPTION_MAX_CHARS, JOB_ROLE_MAX_CHARS, PATIENCE_LEVELS, RESUME_MAX_CHARS, STAGES } from '../../shared/vocabulary.ts';
import { hasControlCharacters, storableText } from '../db/storable-text.ts';

const text = (max: number, what: string) =>
  z.string({ message: `${what} is required` }).trim().min(1, { message: `${what} is required` }).max(max, { message: `${what} must be at most ${max} characters` });

/** A short line the candidate types (a name, a role): an invisible control character is a mistake to point out. */
const line = (max: number, what: string) =>
  text(max, what).refine((v) => !hasControlCharacters(v), {
    message: `${what} contains an invisible control character (such as NUL): retype it without pasting`,
  });

/** Long pasted text: a stray control character is dropped rather than refused. */
const pasted = (max: number, message: string) => z.string().trim().max(max, { message }).transform(storableText);

export const StartInterview = z
  .object({
    candidate_name: line(CANDIDATE_NAME_MAX_CHARS, 'Your name'),
    job_role: line(JOB_ROLE_MAX_CHARS, 'The target role'),
    experience_level: z.enum(EXPERIENCE_LEVELS, { message: `must be one of ${EXPERIENCE_LEVELS.join(', ')}` }),
    mode: z.enum(['voice', 'text'], { message: 'must be "voice" or "text"' }),
    patience: z.enum(PATIENCE_LEVELS, { message: `must be one of ${PATIENCE_LEVELS.join(', ')}` }).default(DEFAULT_PATIENCE),
    resume_text: pasted(RESUME_MAX_CHARS, `The résumé text must be at most ${RESUME_MAX_CHARS.toLocaleString('en')} characters`).optional(),
    job_description: pasted(JOB_DESCRIPTION_MAX_CHARS, `The job description must be at most ${JOB_DESCRIPTION_MAX_CHARS.toLocaleString('en')} characters`).optional(),
  })
  .strict();
export type StartInterviewInput = z.infer<typeof StartInterview>;

export const CandidateMessage = z.object({ text: text(ANSWER_MAX_CHARS, 'The message').transform(storableText) }).strict();

export const SkipStage = z.object({ stage: z.enum(STAGES).optional() }).strict();

export const ListQuery = z.object({
  page: z.coerce.number().int().min(1).max(10_000).default(1),
  perPage: z.coerce.number().int().min(1).max(100).default(20),
  // A search box: characters that can never match are ignored, not reported.
  q: z.string().transform(storableText).pipe(z.string().trim().max(200)).optional(),
});

/** `tz`: the reader's IANA time zone, sent by the page; one the server does not know is UTC. */
export const ExportQuery = z.object({ format: z.enum(['json', 'md']).default('json'), tz: z.string().optional() });
