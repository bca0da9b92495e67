import type { FeedbackState } from '../../shared/api.ts';
import { Router, type Request, type RequestHandler } from 'express';
import { requireUser } from '../auth/index.ts';
import type { Database } from '../db/database.ts';
import { notFound } from '../http/errors.ts';
import { ownedInterview } from '../interviews/index.ts';
import { analyticsOf, experienceLevel } from './interview-input.ts';
import { feedbackToMarkdown, originalFeedbackToMarkdown } from './markdown.ts';
import { feedbackStatus, presentFeedback, UNREADABLE_FEEDBACK } from './stored-feedback.ts';
import { loadFeedback } from './store.ts';
import type { FeedbackWriter } from './writer.ts';


export interface FeedbackRoutesDeps {
  db: Database;
  feedbackLimit: RequestHandler[];
  writer: FeedbackWriter;
}

export function feedbackRouter(deps: FeedbackRoutesDeps): Router {
  const { db } = deps;
  const router = Router();

  const owned = (req: Request) => ownedInterview(db, req, async (tx, row) => ({ stored: await loadFeedback(tx, row.id) }));

  // `status` is about the latest generation; `feedback` is the last good report, sent whatever
  // the status: while a regeneration runs ("generating") or after it failed ("failed", with
  // `error`), the previous report stays available and shown, never replaced by nothing.
  router.get('/api/interviews/:id/feedback', requireUser, async (req, res) => {
    const { row, stored } = await owned(req);
    const status = feedbackStatus(row, stored);
    res.json({ status, ...presentFeedback(stored, analyticsOf(row)), ...(status === 'failed' ? { error: row.feedback_error } : {}) } satisfies FeedbackState);
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
    await deps.writer.start(user.id, row);
    res.status(202).json({ status: 'generating' });
  });

  return router;
}
