import type { InterviewList, RoomPass, StartedInterview } from '../../shared/api.ts';
import { Router, type Request, type RequestHandler } from 'express';
import { currentUser, requireUser } from '../auth/index.ts';
import type { Database } from '../db/database.ts';
import { conflict } from '../http/errors.ts';
import { inputOf, validate } from '../http/validate.ts';
import { ownedInterview } from './owned.ts';
import type { InterviewEvents } from './events.ts';
import { presentInterview, presentSummary } from './presenter.ts';
import type { ResumeReader } from './resume-reader.ts';
import { resumeUpload } from './resume-upload.ts';
import { CandidateMessage, ListQuery, SkipStage, StartInterview } from './schema.ts';
import { INTERVIEW_ENDED, type CommandResult, type Command, type Runners } from './runners.ts';
import type { InterviewService } from './service.ts';
import * as store from './store.ts';
import type { InterviewRow } from './store.ts';
import { streamEvents } from './stream.ts';

export interface InterviewRoutesDeps {
  db: Database;
  runners: Runners;
  events: InterviewEvents;
  service: InterviewService;
  interviewerName: string;
  startLimit: RequestHandler[];
  resumeLimit: RequestHandler[];
  /** Reads uploaded résumés (the server's one by default). */
  resumeReader?: ResumeReader;
  /** Keep-alive comments on event streams (proxies drop idle connections). */
  heartbeatMs?: number;
}

export function interviewsRouter(deps: InterviewRoutesDeps): Router {
  const { db, runners, events, service } = deps;
  const router = Router();

  const owned = (req: Request) => ownedInterview(db, req);
  /** Passes the candidate's input to the live interview's runner; 409 saying why when it cannot take it. */
  const pass = async (row: InterviewRow, command: Command): Promise<void> => {
    if (row.status !== 'live') throw conflict(INTERVIEW_ENDED);
    const result: CommandResult = await runners.command(row, command);
    if (result === 'gone') throw conflict(INTERVIEW_ENDED);
    if (result === 'ending') throw conflict('This interview is ending.');
    if (result === 'not_paused') throw conflict('The interviewer is not waiting for anything: carry on with the interview.');
  };

  router.post('/api/resume', requireUser, ...deps.resumeLimit, ...resumeUpload(deps.resumeReader));

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
    if (row.status === 'live') await runners.command(row, { type: 'stop', reason: 'candidate' });
    await store.deleteInterview(db, user.id, row.id);
    events.forget(row.id);
    res.status(204).end();
  });

  router.post('/api/interviews/:id/messages', requireUser, validate(CandidateMessage), async (req, res) => {
    const { row } = await owned(req);
    const { text } = inputOf(res, CandidateMessage);
    if (row.status === 'live' && row.mode !== 'text') throw conflict('This is a voice interview: speak in the room instead.');
    await pass(row, { type: 'user_text', text });
    res.status(202).json({ accepted: true });
  });

  router.post('/api/interviews/:id/skip', requireUser, validate(SkipStage), async (req, res) => {
    const { row } = await owned(req);
    const { stage } = inputOf(res, SkipStage);
    await pass(row, { type: 'skip_stage', ...(stage ? { stage } : {}) });
    res.status(202).json({ accepted: true });
  });

  // "Try again" while a failing provider pauses the interview: the turn that failed runs again.
  router.post('/api/interviews/:id/retry', requireUser, async (req, res) => {
    const { row } = await owned(req);
    await pass(row, { type: 'retry' });
    res.status(202).json({ accepted: true });
  });

  router.post('/api/interviews/:id/room-pass', requireUser, async (req, res) => {
    const { user, row } = await owned(req);
    res.set('Cache-Control', 'no-store').json((await service.roomPass(user.id, row)) satisfies RoomPass);
  });

  // The page says the candidate is there (typing, or answering the idle warning): the idle limit starts again.
  router.post('/api/interviews/:id/presence', requireUser, async (req, res) => {
    const { row } = await owned(req);
    await pass(row, { type: 'presence' });
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
        const live = row.status === 'live' && runners.running(row);
        return { interview: { ...presentInterview(row), paused: (live && events.pauseOf(row.id)) || null }, live };
      },
    });
  });

  return router;
}
