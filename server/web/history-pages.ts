import { Router, type NextFunction, type Request, type Response } from 'express';
import { currentUser, requireUser } from '../auth/index.ts';
import type { Vault } from '../crypto/vault.ts';
import { isUuid, withUser, type Database } from '../db/database.ts';
import { analyticsOf, loadFeedback, feedbackStatus, UNREADABLE_FEEDBACK, type StoredFeedback } from '../feedback/index.ts';
import { inputOf, validate } from '../http/validate.ts';
import { presentKeys, unreadableKeys, type PresentedKeys, loadKeysRow } from '../keys/index.ts';
import { presentInterview, presentSummary, ExportQuery, ListQuery, listInterviews, type InterviewRow, ownedInterview } from '../interviews/index.ts';
import { providerName } from '../../shared/providers.ts';
import { interviewCard, interviewFacts, knownTimeZone, scoreChart, transcriptGroups } from './history-view.ts';
import { exportFileName, interviewJson, interviewMarkdown } from './interview-export.ts';
import { originalReportView } from './original-report-view.ts';
import { reportView } from './report-view.ts';
import { responseTimesView } from './response-times-view.ts';
import { modeReadiness, type ModeReadiness } from './readiness.ts';
import { pageScript } from './page-scripts.ts';
import { joinWords } from '../words.ts';

// The pages about past interviews: the dashboard, the history list and one interview with its
// transcript and feedback. Server-rendered; small scripts (browser/pages) add filtering, deleting
// and feedback generation on top.

export interface HistoryPagesDeps {
  db: Database;
  vault: Vault;
  interviewerName: string;
}

export const HISTORY_PER_PAGE = 20;
const DASHBOARD_RECENT = 5;
/** Enough rows for the recent list and the score chart's twelve points in one query. */
const DASHBOARD_ROWS = 40;

export function historyPagesRouter(deps: HistoryPagesDeps): Router {
  const { db, vault } = deps;
  const router = Router();

  router.get('/dashboard', requireUser, async (req, res) => {
    const user = currentUser(req);
    const [keysRow, list] = await Promise.all([
      withUser(db, user.id, (tx) => loadKeysRow(tx, user.id)),
      listInterviews(db, user.id, { page: 1, perPage: DASHBOARD_ROWS }),
    ]);
    const cards = list.rows.map((row) => interviewCard(presentSummary(row)));
    const presented = presentKeys(keysRow, vault);
    res.render('dashboard', {
      title: 'Dashboard',
      scripts: [pageScript('dashboard')],
      styles: ['/static/css/history.css'],
      keys: keysStatus(presented, modeReadiness(keysRow, unreadableKeys(presented))),
      live: cards.find((c) => c.live) ?? null,
      recent: cards.slice(0, DASHBOARD_RECENT),
      total: list.total,
      chart: scoreChart(cards),
    });
  });

  /** One page of the caller's interviews, filtered by `?q=`: the history's results. */
  async function results(req: Request) {
    const parsed = ListQuery.safeParse({ page: req.query.page, q: req.query.q });
    const query = parsed.success ? { ...parsed.data, perPage: HISTORY_PER_PAGE } : { page: 1, perPage: HISTORY_PER_PAGE };
    const q = query.q || undefined;
    const { rows, total } = await listInterviews(db, currentUser(req).id, { ...query, q });
    const pages = Math.max(1, Math.ceil(total / HISTORY_PER_PAGE));
    return {
      /** Past the last page (after deleting its last interview, say). */
      beyond: rows.length === 0 && query.page > 1,
      cards: rows.map((row) => interviewCard(presentSummary(row))),
      q: q ?? '',
      total,
      page: query.page,
      pages,
      href: pageHref(query.page, q),
      prevHref: query.page > 1 ? pageHref(query.page - 1, q) : null,
      nextHref: query.page < pages ? pageHref(query.page + 1, q) : null,
    };
  }

  router.get('/interviews', requireUser, async (req, res) => {
    const list = await results(req);
    if (list.beyond) return res.redirect(303, pageHref(1, list.q || undefined));
    res.render('history', {
      title: 'Your interviews',
      scripts: [pageScript('history')],
      styles: ['/static/css/history.css'],
      ...list,
    });
  });

  /** The results alone, for the page's script to swap in as the candidate filters or deletes. */
  router.get('/interviews/results', requireUser, async (req, res) => {
    const list = await results(req);
    res.set('Cache-Control', 'no-store');
    if (list.beyond) return res.redirect(303, pageHref(1, list.q || undefined, '/interviews/results'));
    res.render('partials/interview-results', list);
  });

  /** The caller's interview and its feedback; another user's id is a 404 like a missing one. */
  const owned = (req: Request) => ownedInterview(db, req, async (tx, row) => ({ stored: await loadFeedback(tx, row.id) }));

  // /interviews/new and other words belong to other routers: only ids are interviews here.
  const idOnly = (req: Request, _res: Response, next: NextFunction) => (isUuid(req.params.id) ? next() : next('route'));

  router.get('/interviews/:id', idOnly, requireUser, async (req, res) => {
    const { row, stored } = await owned(req);
    const interview = presentInterview(row);
    const facts = interviewFacts(interview);
    res.render('interview', {
      title: `${facts.role} interview`,
      scripts: [pageScript('interview')],
      styles: ['/static/css/history.css', '/static/css/print.css'],
      id: row.id,
      facts,
      groups: transcriptGroups(interview, deps.interviewerName),
      responseTimes: responseTimesView(interview.responseTimes),
      exportJson: `/api/interviews/${row.id}/export?format=json`,
      exportMd: `/api/interviews/${row.id}/export?format=md`,
      problems: row.problems,
      feedback: panel(row, stored),
    });
  });

  router.get('/api/interviews/:id/export', idOnly, requireUser, validate(ExportQuery, { from: 'query' }), async (req, res) => {
    const { format, tz } = inputOf(res, ExportQuery);
    const { row, stored } = await owned(req);
    const exported = {
      interview: presentInterview(row),
      stored,
      analytics: analyticsOf(row),
      interviewerName: deps.interviewerName,
      timeZone: knownTimeZone(tz) ?? 'UTC',
    };
    res.set('Cache-Control', 'no-store');
    if (format === 'md') {
      res.attachment(exportFileName(exported.interview, 'md')).type('text/markdown; charset=utf-8').send(interviewMarkdown(exported));
    } else {
      res.attachment(exportFileName(exported.interview, 'json')).type('application/json').send(JSON.stringify(interviewJson(exported), null, 2));
    }
  });

  /** The feedback panel alone, for the page's script to swap in when generation finishes. */
  router.get('/interviews/:id/feedback-panel', idOnly, requireUser, async (req, res) => {
    const { row, stored } = await owned(req);
    res.set('Cache-Control', 'no-store').render('partials/feedback-panel', panel(row, stored));
  });

  return router;
}

/**
 * The feedback area. `status` is the latest generation's; the last good report stays shown
 * while a regeneration runs and after one fails, with a note saying so.
 */
function panel(row: InterviewRow, stored: StoredFeedback | undefined) {
  const status = row.status === 'live' ? 'live' : feedbackStatus(row, stored);
  const report = stored?.shape === 'mockflow' ? reportView(stored.data, analyticsOf(row)) : null;
  const original = stored?.shape === 'mockflow-ai' ? originalReportView(stored) : null;
  return {
    id: row.id,
    status,
    /** The reason without its closing full stop, for the template to put in a sentence. */
    error: status === 'failed' ? (row.feedback_error ?? 'Feedback could not be generated.').replace(/\.\s*$/, '') : null,
    report,
    original,
    unreadable: stored?.shape === 'unreadable' ? UNREADABLE_FEEDBACK : null,
    progress: status === 'generating' ? (report || original ? 'Regenerating your feedback. The current report stays here until the new one is ready…' : 'Generating feedback…') : null,
    roomHref: `/interviews/${row.id}/room`,
    downloadHref: `/api/interviews/${row.id}/feedback/export`,
  };
}

function pageHref(page: number, q: string | undefined, path = '/interviews'): string {
  const params = new URLSearchParams();
  if (q) params.set('q', q);
  if (page > 1) params.set('page', String(page));
  const search = params.toString();
  return search ? `${path}?${search}` : path;
}

type KeyState = 'set' | 'partly' | 'unset' | 'unreadable';

/** Which keys are saved (never their values) and what the user can start with them. */
function keysStatus(keys: PresentedKeys, readiness: ModeReadiness) {
  const livekitFields = [keys.livekit_url, keys.livekit_api_key, keys.livekit_api_secret];
  const stateOf = (fields: PresentedKeys['openai_key'][]): KeyState => {
    if (fields.some((f) => f.unreadable)) return 'unreadable';
    const set = fields.filter((f) => f.set).length;
    return set === fields.length ? 'set' : set === 0 ? 'unset' : 'partly';
  };
  const livekit = stateOf(livekitFields);
  const llm = stateOf([keys.openai_key]);
  const deepgram = stateOf([keys.deepgram_key]);
  const label: Record<KeyState, string> = { set: 'Set', partly: 'Partly set', unset: 'Not set', unreadable: 'Needs re-entering' };
  return {
    rows: [
      { name: 'LiveKit (voice rooms)', state: livekit, text: label[livekit], detail: livekit === 'set' ? keys.livekit_host : null },
      { name: 'Language model', state: llm, text: label[llm], detail: llm === 'set' ? `${providerName(keys.llm_base_url)} · ${keys.llm_model}` : null },
      { name: 'Deepgram (speech-to-text)', state: deepgram, text: label[deepgram], detail: null },
    ],
    textReady: readiness.textReady,
    voiceReady: readiness.voiceReady,
    textFailedTest: readiness.textFailedTest,
    voiceFailedTest: readiness.voiceFailedTest,
    voiceProblem: readiness.voiceProblem,
    // What the dashboard says voice needs, each thing named (unreadable keys: re-entering them).
    voiceNeeds: readiness.voiceMissing.length > 0 ? `need ${joinWords(readiness.voiceMissing)}` : 'need keys re-entered',
    needsReentry: keys.needsReentry,
  };
}
