// The product's vocabulary and rules, one definition each: imported by the server, the agent
// and the browser code alike (so nothing here may import anything but other shared/ files).

export const STAGES = ['welcome', 'self_intro', 'past_experience', 'company_fit', 'closing'] as const;
export type Stage = (typeof STAGES)[number];

/** Each stage's time budget in milliseconds: the agent's rules, and the room page's clock. */
export const STAGE_LIMITS_MS: Readonly<Record<Stage, number>> = {
  welcome: 60_000,
  self_intro: 120_000,
  past_experience: 240_000,
  company_fit: 240_000,
  closing: 45_000,
};

/**
 * A line counts as a question when it asks something: it contains a question mark, or it is an
 * interview prompt phrased as a request ("Tell me about…", "Walk me through…"). The stage
 * machine's minimums and the feedback's "questions per stage" count by this one rule.
 */
export function isQuestion(text: string): boolean {
  return text.includes('?') || PROMPT_PHRASES.test(text);
}
const PROMPT_PHRASES = /\b(tell me|walk me through|talk me through|describe|share with me|give me an example)\b/i;

/** Each stage's name as the candidate reads it (the interviewer says it in lower case). */
export const STAGE_LABELS: Readonly<Record<Stage, string>> = {
  welcome: 'Welcome',
  self_intro: 'Self-introduction',
  past_experience: 'Past experience',
  company_fit: 'Company and role fit',
  closing: 'Closing',
};

export const EXPERIENCE_LEVELS = ['entry', 'junior', 'mid', 'senior', 'lead', 'staff'] as const;
export type ExperienceLevel = (typeof EXPERIENCE_LEVELS)[number];

/** Each level as a label (the start form, the history) … */
export const LEVEL_LABELS: Readonly<Record<ExperienceLevel, string>> = {
  entry: 'Entry level',
  junior: 'Junior',
  mid: 'Mid-level',
  senior: 'Senior',
  lead: 'Lead',
  staff: 'Staff / principal',
};

/** … and inside a sentence: "a mid-level Backend Engineer" (the interviewer's and the feedback model's prompts). */
export const LEVEL_WORDS: Readonly<Record<ExperienceLevel, string>> = {
  entry: 'entry-level',
  junior: 'junior',
  mid: 'mid-level',
  senior: 'senior',
  lead: 'lead',
  staff: 'staff',
};

/**
 * How long the interviewer waits in silence before it takes a pause as the end of an answer: the
 * candidate picks it per interview (thinking pauses are normal in interviews). The wait is the
 * turn handling's minimum endpointing delay, counted from the end of speech; the VAD's own
 * silence (VAD_SILENCE_MS) is shorter, so this is the whole wait.
 */
export const PATIENCE_LEVELS = ['quick', 'normal', 'patient'] as const;
export type Patience = (typeof PATIENCE_LEVELS)[number];
export const END_OF_TURN_WAIT_MS: Readonly<Record<Patience, number>> = { quick: 500, normal: 900, patient: 2000 };
export const PATIENCE_LABELS: Readonly<Record<Patience, string>> = { quick: 'Quick', normal: 'Normal', patient: 'Patient' };
export const DEFAULT_PATIENCE: Patience = 'normal';
export const VAD_SILENCE_MS = 400;

/**
 * The longest résumé and job description an interview takes, in characters: the start form's
 * limits, where a résumé file's text is cut (and the candidate told), and all the interviewer
 * is given. One value each, so nothing the candidate was shown as accepted is cut later.
 */
export const RESUME_MAX_CHARS = 20_000;
export const JOB_DESCRIPTION_MAX_CHARS = 10_000;
/** The candidate's name and the target role, one line each. */
export const CANDIDATE_NAME_MAX_CHARS = 100;
export const JOB_ROLE_MAX_CHARS = 120;
/** The longest answer a text interview takes in one message. */
export const ANSWER_MAX_CHARS = 4_000;

/** Why an interview ended. */
export type EndReason = 'completed' | 'candidate' | 'timeout' | 'idle' | 'error' | 'shutdown';

/** A model or voice that keeps failing for this long ends the interview; until then it is paused. */
export const DEFAULT_PROVIDER_PAUSE_SECONDS = 120;

