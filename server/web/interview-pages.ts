// Pages for starting and running an interview: the start form and the interview room (text
// chat or voice call). The pages are shells; browser/pages/start.ts and *-room.ts drive them
// through the JSON API. Also serves livekit-client's browser build to the voice room.

import { findLiveInterview, type InterviewRow, ownedInterview } from '../interviews/index.ts';
import { Router, type Request } from 'express';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import {
  CANDIDATE_NAME_MAX_CHARS,
  DEFAULT_PATIENCE,
  END_OF_TURN_WAIT_MS,
  EXPERIENCE_LEVELS,
  JOB_DESCRIPTION_MAX_CHARS,
  JOB_ROLE_MAX_CHARS,
  LEVEL_LABELS,
  PATIENCE_LABELS,
  PATIENCE_LEVELS,
  STAGE_LABELS,
  STAGES,
  type Stage,
} from '../../shared/vocabulary.ts';
import { LOCAL_USER_NAME, currentUser, requireUser } from '../auth/index.ts';
import { withUser, type Database } from '../db/database.ts';
import { loadKeysRow } from '../keys/index.ts';
import { modeReadiness } from './readiness.ts';
import { pageScript } from './page-scripts.ts';

export interface InterviewPagesDeps {
  db: Database;
  /** Cache lifetime of the vendored livekit-client build (production: an hour). */
  staticMaxAgeMs?: number;
}

// livekit-client's package.json is not in its export map: find the build from its entry file.
const LIVEKIT_DIST = dirname(createRequire(import.meta.url).resolve('livekit-client'));
// A Map: a plain object would answer /static/vendor/__proto__ or /constructor with its prototype's.
const VENDOR_FILES = new Map([
  ['livekit-client.umd.js', join(LIVEKIT_DIST, 'livekit-client.umd.js')],
  ['livekit-client.umd.js.map', join(LIVEKIT_DIST, 'livekit-client.umd.js.map')],
]);

/** When the current stage began: the agent restarts the welcome clock at its first line. */
function stageStartedAt(row: InterviewRow): { stage: Stage; at: number } {
  const last = row.stage_events.at(-1);
  const stage = last?.stage ?? row.final_stage ?? 'welcome';
  let at = last?.at ?? new Date(row.started_at).getTime();
  if (stage === 'welcome' && (row.stage_events.length <= 1)) {
    const greeting = row.conversation.find((item) => item.role === 'assistant');
    if (greeting && greeting.startedAt > at) at = greeting.startedAt;
  }
  return { stage, at };
}

export function interviewPagesRouter(deps: InterviewPagesDeps): Router {
  const { db } = deps;
  const router = Router();

  router.get('/static/vendor/:file', (req, res, next) => {
    const path = VENDOR_FILES.get(String(req.params.file));
    if (!path) return next();
    res.sendFile(path, { maxAge: deps.staticMaxAgeMs ?? 0 });
  });

  router.get('/interviews/new', requireUser, async (req, res) => {
    const user = currentUser(req);
    const [keys, live] = await Promise.all([
      withUser(db, user.id, (tx) => loadKeysRow(tx, user.id)),
      findLiveInterview(db, user.id),
    ]);
    res.render('start', {
      title: 'Start an interview',
      styles: ['/static/css/room.css'],
      scripts: [pageScript('start')],
      limits: { candidateName: CANDIDATE_NAME_MAX_CHARS, jobRole: JOB_ROLE_MAX_CHARS, jobDescription: JOB_DESCRIPTION_MAX_CHARS },
      // Only a real name: the local user's placeholder would have the interviewer say "Hi Local".
      candidateName: user.name && user.name !== LOCAL_USER_NAME ? user.name : '',
      levels: EXPERIENCE_LEVELS.map((id) => ({ id, label: LEVEL_LABELS[id] })),
      patience: PATIENCE_LEVELS.map((id) => ({
        id,
        label: PATIENCE_LABELS[id],
        seconds: (END_OF_TURN_WAIT_MS[id] / 1000).toLocaleString('en', { maximumFractionDigits: 1 }),
        checked: id === DEFAULT_PATIENCE,
      })),
      liveId: live?.id ?? null,
      ...modeReadiness(keys),
    });
  });

  router.get('/interviews/:id/room', requireUser, async (req: Request, res) => {
    const { row } = await ownedInterview(db, req);
    if (row.status !== 'live') return res.redirect(303, `/interviews/${row.id}`);
    const current = stageStartedAt(row);
    const voice = row.mode === 'voice';
    res.render('room', {
      title: voice ? 'Voice interview' : 'Text interview',
      styles: ['/static/css/room.css'],
      scripts: voice ? ['/static/vendor/livekit-client.umd.js', pageScript('voice-room')] : [pageScript('text-room')],
      interview: { id: row.id, mode: row.mode, candidateName: row.candidate_name, jobRole: row.job_role ?? '' },
      stages: STAGES.map((id, index) => ({ id, index, label: STAGE_LABELS[id] })),
      stage: current.stage,
      stageLabel: STAGE_LABELS[current.stage],
      stageIndex: STAGES.indexOf(current.stage),
      stageStartedAt: current.at,
      serverNow: Date.now(),
    });
  });

  return router;
}
