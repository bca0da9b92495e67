import type { Vault } from '../crypto/vault.ts';
import { withUser, type Database } from '../db/database.ts';
import { conflict, isHttpError, preconditionFailed } from '../http/errors.ts';
import { type EventPublisher, getInterview, type InterviewRow } from '../interviews/index.ts';
import { guardedFetch } from '../../shared/guarded-fetch.ts';
import { languageModelOf, readUserKeys, UnreadableSecret } from '../keys/index.ts';
import type { Logger } from '../logger.ts';
import { generateFeedback, MIN_CANDIDATE_ANSWERS, notEnoughAnswers, toFeedbackData } from './generate.ts';
import { analyticsOf, interviewInput } from './interview-input.ts';
import { claimFeedback, saveFeedback, setFeedbackStatus } from './store.ts';

export interface FeedbackWriterDeps {
  db: Database;
  vault: Vault;
  /** Where its progress is published (every web instance's event streams). */
  events: EventPublisher;
  logger: Logger;
  production: boolean;
  timeoutMs?: number;
  /** This process's lease: a generation is an orphan only once it has run out. */
  instanceId?: string;
}

/**
 * Writes an interview's feedback with the owner's model key, one generation per interview at a
 * time, its progress published on the interview's event stream. Asked for by the candidate (the
 * feedback routes) or, when they want it, as soon as an interview ends.
 */
export class FeedbackWriter {
  private readonly running = new Set<string>();

  constructor(private readonly deps: FeedbackWriterDeps) {}

  /**
   * Starts writing; resolves once it is under way (the status is "generating"). Refuses a live
   * interview (409), too few answers, and a missing or unreadable model key (412).
   */
  async start(userId: string, row: InterviewRow): Promise<void> {
    const { db, vault, events, logger } = this.deps;
    if (row.status === 'live') throw conflict('Feedback is ready to generate once the interview has ended.');
    const answers = analyticsOf(row).answers.count;
    if (answers < MIN_CANDIDATE_ANSWERS) throw notEnoughAnswers(answers);
    // Claimed with no await between the check and the add, so two quick requests start one
    // generation; the second gets the same answer as the first. Released on every failure below.
    if (this.running.has(row.id)) return;
    this.running.add(row.id);

    let llm;
    try {
      const keys = await readUserKeys(db, userId, vault);
      if (!keys.openai_key) throw preconditionFailed('Add a language-model key in Settings → Keys to generate feedback.', { missing: ['a language-model key'] });
      const model = languageModelOf(keys);
      llm = { apiKey: keys.openai_key, baseURL: model.baseUrl, model: model.model };
      // Another server process is writing it already: its progress reaches this page's stream too.
      if (!(await claimFeedback(db, userId, row.id, this.deps.instanceId ?? null))) {
        this.running.delete(row.id);
        return;
      }
    } catch (err) {
      this.running.delete(row.id);
      if (err instanceof UnreadableSecret) throw preconditionFailed('Your saved keys need re-entering (Settings → Keys) before feedback can be generated.');
      throw err;
    }
    events.publish(row.id, 'feedback', { status: 'generating', step: 'queued' });

    void generateFeedback({
      llm,
      interview: interviewInput(row),
      fetch: guardedFetch({ production: this.deps.production }) as unknown as typeof fetch,
      timeoutMs: this.deps.timeoutMs,
      onProgress: (step) => events.publish(row.id, 'feedback', { status: 'generating', step }),
    })
      .then(async (result) => {
        await saveFeedback(db, userId, row.id, toFeedbackData(result));
        events.publish(row.id, 'feedback', { status: 'ready' });
        logger.info({ interviewId: row.id, attempts: result.attempts, droppedQuotes: result.droppedQuotes }, 'feedback generated');
      })
      .catch(async (err: unknown) => {
        const message = isHttpError(err) ? err.message : 'Feedback could not be generated. Try again in a moment.';
        if (!isHttpError(err)) logger.error({ err, interviewId: row.id }, 'feedback generation failed');
        else logger.warn({ interviewId: row.id, reason: err.details?.reason }, 'feedback generation failed');
        await setFeedbackStatus(db, userId, row.id, 'failed', message).catch(() => {});
        events.publish(row.id, 'feedback', { status: 'failed', error: message });
      })
      .finally(() => this.running.delete(row.id));
  }

  /**
   * After an interview has ended, for a candidate who wants feedback right away: an interview too
   * short for feedback, or a user without a model key, just gets none (the page offers it later).
   */
  async afterEnd(userId: string, interviewId: string): Promise<void> {
    const { db, logger } = this.deps;
    try {
      const row = await withUser(db, userId, (tx) => getInterview(tx, interviewId));
      if (!row || analyticsOf(row).answers.count < MIN_CANDIDATE_ANSWERS) return;
      await this.start(userId, row);
    } catch (err) {
      logger.warn({ err, interviewId }, 'feedback after the interview did not start');
    }
  }
}
