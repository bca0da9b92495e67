import { Router } from 'express';
import { currentUser, requireUser, returnToAfterSignIn, DELETE_CONFIRMATION, isLocalBrowser, LOCAL_SIGN_IN_ELSEWHERE } from '../auth/index.ts';
import { withUser, type Database } from '../db/database.ts';
import { setFeedbackAfterInterview, wantsFeedbackAfterInterview } from '../feedback/index.ts';
import { pageScript } from './page-scripts.ts';
import {
  DEFAULT_DEEPGRAM_BASE_URL,
  DEFAULT_TTS_BASE_URL,
  COMPATIBLE_TTS_MODEL,
  OPENAI_TTS_MODEL,
  DEFAULT_TTS_VOICE,
  LLM_DEFAULT_MODELS,
  LLM_NAMES,
  LLM_PRESETS,
} from '../../shared/providers.ts';

export interface PagesDeps {
  db: Database;
  googleSignIn: boolean;
  localSignIn: boolean;
}

export function pagesRouter(deps: PagesDeps): Router {
  const router = Router();

  router.get('/', (req, res) => {
    if (req.session.user) return res.redirect(303, '/dashboard');
    res.render('landing', {
      title: 'Practise interviews with your own AI interviewer',
      googleSignIn: deps.googleSignIn,
      localSignIn: deps.localSignIn && isLocalBrowser(req),
      localSignInElsewhere: deps.localSignIn && !isLocalBrowser(req) ? LOCAL_SIGN_IN_ELSEWHERE : undefined,
      deleted: req.query.deleted === '1',
      signedOut: req.query.signed_out === '1',
      // Set by requireUser when a signed-out visitor asked for a page.
      signInToContinue: returnToAfterSignIn(req) !== undefined,
    });
  });

  router.get('/settings/keys', requireUser, (_req, res) => {
    res.render('keys', {
      title: 'Keys',
      scripts: [pageScript('keys')],
      presets: (Object.keys(LLM_PRESETS) as (keyof typeof LLM_PRESETS)[]).map((id) => ({
        id,
        label: LLM_NAMES[id],
        baseUrl: LLM_PRESETS[id],
        defaultModel: LLM_DEFAULT_MODELS[id],
      })),
      // Shown as placeholders: an empty field means the default.
      speechDefaults: { deepgramBaseUrl: DEFAULT_DEEPGRAM_BASE_URL, ttsBaseUrl: DEFAULT_TTS_BASE_URL, ttsModel: OPENAI_TTS_MODEL, compatibleTtsModel: COMPATIBLE_TTS_MODEL, ttsVoice: DEFAULT_TTS_VOICE },
    });
  });

  router.get('/settings', requireUser, async (req, res) => {
    const { id } = currentUser(req);
    res.render('settings', {
      title: 'Settings',
      deleteConfirmation: DELETE_CONFIRMATION,
      confirmMismatch: req.query.confirm === 'mismatch',
      feedbackAfterInterview: await withUser(deps.db, id, (tx) => wantsFeedbackAfterInterview(tx, id)),
      feedbackSaved: req.query.saved === 'feedback',
    });
  });

  // A plain form (no script): the checkbox is sent only when ticked.
  router.post('/settings/feedback', requireUser, async (req, res) => {
    await setFeedbackAfterInterview(deps.db, currentUser(req).id, (req.body as { after_interview?: unknown })?.after_interview === 'on');
    res.redirect(303, '/settings?saved=feedback');
  });

  return router;
}
