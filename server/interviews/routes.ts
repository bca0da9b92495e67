import type { InterviewList, RoomPass, StartedInterview } from '../../shared/api.ts';
import { Router, type Request, type RequestHandler } from 'express';
import { currentUser, requireUser } from '../auth/index.ts';
import { withUser, type Database } from '../db/database.ts';
import { conflict, notFound } from '../http/errors.ts';
import { inputOf, validate } from '../http/validate.ts';
import { ownedInterview } from './owned.ts';
import type { WorkerPool } from '../workers/index.ts';
import type { InterviewEvents } from './events.ts';
import { presentInterview, presentSummary } from './presenter.ts';
import { resumeUpload } from './resume-upload.ts';
import { CandidateMessage, ListQuery, SkipStage, StartInterview } from './schema.ts';
import type { InterviewService } from './service.ts';
import * as store from './store.ts';
import { streamEvents } from './stream.ts';

export interface InterviewRoutesDeps {
  db: Database;
  pool: WorkerPool;
  events: InterviewEvents;
  service: InterviewService;
  interviewerName: string;
  startLimit: RequestHandler[];
  resumeLimit: RequestHandler[];
  /** Keep-alive comments on event streams (proxies drop idle connections). */
  heartbeatMs?: number;
}

export function interviewsRouter(deps: InterviewRoutesDeps): Router {
  const { db, pool, events, service } = deps;
  const router = Router();

  const owned = (req: Request) => ownedInterview(db, req);

  router.post('/api/resume', requireUser, ...deps.resumeLimit, ...resumeUpload());

  router.post('/api/interviews', requireUser, ...deps.startLimit, validate(StartInterview), async (req, res) => {
    const started = await service.start(currentUser(req).id, inputOf(res, StartInterview));
    res.status(201).json(started satisfies StartedInterview);
  });

  router.get('/api/interviews', requireUser, validate(ListQuery, { from: 'query' }), async (req, res) => {
    const query = inputOf(res, ListQuery);
    const { rows, total } = await store.listInterviews(db, currentUser(req).id, query);
    res.json({ interviews: rows.map(presentSummary), page: query.page, perPage: query.perPage, total } satisfies InterviewList);
  });

  router.get('/api/interviews/:id', requireUser, async (req, res) => {
    const { row } = await owned(req);
    res.json(presentInterview(row));
  });

  router.delete('/api/interviews/:id', requireUser, async (req, res) => {
    const { user, row } = await owned(req);
    await pool.get(row.id)?.stop('candidate');
    await store.deleteInterview(db, user.id, row.id);
    events.forget(row.id);
    res.status(204).end();
  });

  router.post('/api/interviews/:id/messages', requireUser, validate(CandidateMessage), async (req, res) => {
    const { row } = await owned(req);
    const { text } = inputOf(res, CandidateMessage);
    const child = pool.get(row.id);
    if (row.status !== 'live' || !child) throw conflict('This interview has ended.');
    if (row.mode !== 'text') throw conflict('This is a voice interview: speak in the room instead.');
    if (!child.send({ type: 'user_text', text })) throw conflict('This interview is ending.');
    res.status(202).json({ accepted: true });
  });

  router.post('/api/interviews/:id/skip', requireUser, validate(SkipStage), async (req, res) => {
    const { row } = await owned(req);
    const { stage } = inputOf(res, SkipStage);
    const child = pool.get(row.id);
    if (row.status !== 'live' || !child) throw conflict('This interview has ended.');
    if (!child.send({ type: 'skip_stage', ...(stage ? { stage } : {}) })) throw conflict('This interview is ending.');
    res.status(202).json({ accepted: true });
  });

  // "Try again" while a failing provider pauses the interview: the turn that failed runs again.
  router.post('/api/interviews/:id/retry', requireUser, async (req, res) => {
    const { row } = await owned(req);
    const child = pool.get(row.id);
    if (row.status !== 'live' || !child) throw conflict('This interview has ended.');
    if (!service.pauseOf(row.id)) throw conflict('The interviewer is not waiting for anything: carry on with the interview.');
    if (!child.send({ type: 'retry' })) throw conflict('This interview is ending.');
    res.status(202).json({ accepted: true });
  });

  router.post('/api/interviews/:id/room-pass', requireUser, async (req, res) => {
    const { user, row } = await owned(req);
    res.set('Cache-Control', 'no-store').json((await service.roomPass(user.id, row)) satisfies RoomPass);
  });

  // The page says the candidate is there (typing, or answering the idle warning): the idle limit starts again.
  router.post('/api/interviews/:id/presence', requireUser, async (req, res) => {
    const { row } = await owned(req);
    if (row.status !== 'live' || !pool.get(row.id)?.stillHere()) throw conflict('This interview has ended.');
    res.status(204).end();
  });

  router.post('/api/interviews/:id/end', requireUser, async (req, res) => {
    const { user, row } = await owned(req);
    // Answers once the end is recorded, so the page the room goes to next shows it ended.
    res.json(presentInterview(await service.end(user.id, row)));
  });

  router.get('/api/interviews/:id/events', requireUser, async (req, res) => {
    await streamEvents(req, res, {
      interviewId: String(req.params.id),
      userId: currentUser(req).id,
      events,
      heartbeatMs: deps.heartbeatMs ?? 15_000,
      load: async () => {
        const { row } = await owned(req);
        const live = row.status === 'live' && Boolean(pool.get(row.id));
        return { interview: { ...presentInterview(row), paused: (live && service.pauseOf(row.id)) || null }, live };
      },
    });
  });

  return router;
}
