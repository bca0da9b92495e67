import { Router, type Request, type RequestHandler } from 'express';
import { currentUser, requireUser } from '../auth/require-user.ts';
import type { Vault } from '../crypto/vault.ts';
import { withUser, type Database } from '../db/database.ts';
import { conflict, notFound, preconditionFailed } from '../http/errors.ts';
import type { InterviewEvents } from '../interviews/events.ts';
import type { ExperienceLevel } from '../../agent/protocol.ts';
import { getInterview, type InterviewRow } from '../interviews/store.ts';
import { DEFAULT_LLM_BASE_URL, defaultModelFor, presetOf } from '../keys/providers.ts';
import { readUserKeys, UnreadableSecret } from '../keys/store.ts';
import { guardedFetch } from '../keys/url-guard.ts';
import type { Logger } from '../logger.ts';
import { computeAnalytics, type SpeakingAnalytics } from './analytics.ts';
import { generateFeedback, MIN_CANDIDATE_ANSWERS, toFeedbackData, TooShortError } from './generate.ts';
import { feedbackToMarkdown, originalFeedbackToMarkdown } from './markdown.ts';
import { feedbackStatus, presentFeedback, UNREADABLE_FEEDBACK } from './stored-feedback.ts';
import { failInterruptedFeedback, loadFeedback, saveFeedback, setFeedbackStatus } from './store.ts';

export { failInterruptedFeedback };

export interface FeedbackRoutesDeps {
  db: Database;
  vault: Vault;
  events: InterviewEvents;
  logger: Logger;
  production: boolean;
  feedbackLimit: RequestHandler[];
  timeoutMs?: number;
}

export function interviewInput(row: InterviewRow) {
  return {
    jobRole: row.job_role ?? 'the role',
    experienceLevel: experienceLevel(row),
    mode: row.mode,
    items: row.conversation,
    stageEvents: row.stage_events,
    endedAt: row.ended_at ? new Date(row.ended_at).getTime() : undefined,
  };
}

/**
 * The interview's analytics as the current rules count them. Shown instead of the copy saved with
 * the feedback, so a corrected rule (what counts as a filler) reaches earlier reports too.
 */
export function analyticsOf(row: InterviewRow): SpeakingAnalytics {
  return computeAnalytics(interviewInput(row));
}

/** Our level, or what the row says (the prompt and the document show an unknown one as written). */
function experienceLevel(row: InterviewRow): ExperienceLevel {
  return (row.experience_level ?? 'mid') as ExperienceLevel;
}

export function feedbackRouter(deps: FeedbackRoutesDeps): Router {
  const { db, vault, events, logger } = deps;
  const router = Router();
  const running = new Set<string>();

  async function owned(req: Request) {
    const user = currentUser(req);
    const found = await withUser(db, user.id, async (tx) => {
      const row = await getInterview(tx, String(req.params.id));
      return row ? { row, stored: await loadFeedback(tx, row.id) } : undefined;
    });
    if (!found) throw notFound('There is no such interview.');
    return { user, ...found };
  }

  // `status` is about the latest generation; `feedback` is the last good report, sent whatever
  // the status: while a regeneration runs ("generating") or after it failed ("failed", with
  // `error`), the previous report stays available and shown, never replaced by nothing.
  router.get('/api/interviews/:id/feedback', requireUser, async (req, res) => {
    const { row, stored } = await owned(req);
    const status = feedbackStatus(row, stored);
    res.json({ status, ...presentFeedback(stored, analyticsOf(row)), ...(status === 'failed' ? { error: row.feedback_error } : {}) });
  });

  router.get('/api/interviews/:id/feedback/export', requireUser, async (req, res) => {
    const { row, stored } = await owned(req);
    if (!stored) throw notFound('There is no feedback for this interview yet.');
    if (stored.shape === 'unreadable') throw notFound(UNREADABLE_FEEDBACK);
    const meta = {
      candidateName: row.candidate_name,
      jobRole: row.job_role ?? '',
      experienceLevel: experienceLevel(row),
      mode: row.mode,
      interviewDate: new Date(row.started_at).toISOString(),
    };
    const markdown =
      stored.shape === 'mockflow'
        ? feedbackToMarkdown({ ...meta, generatedAt: stored.data.generatedAt, model: stored.data.model }, stored.data.feedback, analyticsOf(row))
        : originalFeedbackToMarkdown(meta, stored);
    res.attachment(`mockflow-feedback-${new Date(row.started_at).toISOString().slice(0, 10)}.md`).type('text/markdown; charset=utf-8').send(markdown);
  });

  router.post('/api/interviews/:id/feedback', requireUser, ...deps.feedbackLimit, async (req, res) => {
    const { user, row } = await owned(req);
    if (row.status === 'live') throw conflict('Feedback is ready to generate once the interview has ended.');
    const answers = analyticsOf(row).answers.count;
    if (answers < MIN_CANDIDATE_ANSWERS) throw new TooShortError(answers);
    // Claimed with no await between the check and the add, so two quick requests start one
    // generation; the second gets the same answer as the first. Released on every failure below.
    if (running.has(row.id)) return res.status(202).json({ status: 'generating' });
    running.add(row.id);

    let llm;
    try {
      const keys = await readUserKeys(db, user.id, vault);
      if (!keys.openai_key) throw preconditionFailed('Add a language-model key in Settings → Keys to generate feedback.', { missing: ['a language-model key'] });
      const baseUrl = keys.llm_base_url ?? DEFAULT_LLM_BASE_URL;
      llm = { apiKey: keys.openai_key, baseURL: presetOf(baseUrl) === 'openai' ? undefined : baseUrl, model: keys.llm_model ?? defaultModelFor(baseUrl) };
      await setFeedbackStatus(db, user.id, row.id, 'generating');
    } catch (err) {
      running.delete(row.id);
      if (err instanceof UnreadableSecret) throw preconditionFailed('Your saved keys need re-entering (Settings → Keys) before feedback can be generated.');
      throw err;
    }
    events.publish(row.id, 'feedback', { status: 'generating', step: 'queued' });
    res.status(202).json({ status: 'generating' });

    void generateFeedback({
      llm,
      interview: interviewInput(row),
      fetch: guardedFetch({ production: deps.production }) as unknown as typeof fetch,
      timeoutMs: deps.timeoutMs,
      onProgress: (step) => events.publish(row.id, 'feedback', { status: 'generating', step }),
    })
      .then(async (result) => {
        await saveFeedback(db, user.id, row.id, toFeedbackData(result));
        events.publish(row.id, 'feedback', { status: 'ready' });
        logger.info({ interviewId: row.id, attempts: result.attempts, droppedQuotes: result.droppedQuotes }, 'feedback generated');
      })
      .catch(async (err: unknown) => {
        const message = err instanceof Error && 'status' in err ? err.message : 'Feedback could not be generated. Try again in a moment.';
        if (!(err instanceof Error && 'status' in err)) logger.error({ err, interviewId: row.id }, 'feedback generation failed');
        else logger.warn({ interviewId: row.id, reason: (err as { reason?: string }).reason }, 'feedback generation failed');
        await setFeedbackStatus(db, user.id, row.id, 'failed', message).catch(() => {});
        events.publish(row.id, 'feedback', { status: 'failed', error: message });
      })
      .finally(() => running.delete(row.id));
  });

  return router;
}
