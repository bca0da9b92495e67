import { Router, type ErrorRequestHandler, type RequestHandler } from 'express';
import type { Database } from '../db/database.ts';
import { forbidden, isHttpError, upstream } from '../http/errors.ts';
import { wantsJson } from '../http/error-handler.ts';
import { validate } from '../http/validate.ts';
import type { Logger } from '../logger.ts';
import { deleteAccount } from './account.ts';
import { isLocalBrowser, LOCAL_SIGN_IN_ELSEWHERE, LOCAL_USER_NAME } from './local.ts';
import { currentUser, requireUser } from './require-user.ts';
import { signIn } from './sign-in.ts';
import { SupabaseAuthError, type SupabaseAuth } from './supabase.ts';
import { DeleteAccount } from './schema.ts';
import { userForIdentity } from './users.ts';

export interface AuthRoutesDeps {
  db: Database;
  logger: Logger;
  supabase?: SupabaseAuth;
  /** "Continue as local user" exists only without Google and outside production, for a browser on this machine. */
  localSignIn: boolean;
  signInLimit: RequestHandler[];
  generateCsrfToken: (req: Parameters<RequestHandler>[0], overwrite?: boolean) => string;
}

// The settings form goes back to the settings page, which says what to type next to the field.
const mismatchBackToSettings: ErrorRequestHandler = (err, req, res, next) => {
  if (isHttpError(err, 'validation') && !wantsJson(req)) return res.redirect(303, '/settings?confirm=mismatch#confirm-delete');
  next(err);
};

export function authRouter(deps: AuthRoutesDeps): Router {
  const { db, logger, supabase } = deps;
  const router = Router();

  if (deps.localSignIn) {
    router.post('/auth/local', ...deps.signInLimit, async (req, res, next) => {
      try {
        if (!isLocalBrowser(req)) throw forbidden(LOCAL_SIGN_IN_ELSEWHERE);
        const user = await userForIdentity(db, 'local', 'local', { name: LOCAL_USER_NAME });
        await signIn(req, res, user);
      } catch (err) {
        next(err);
      }
    });
  }

  router.post('/auth/logout', (req, res, next) => {
    req.session.destroy((err) => {
      if (err) return next(err);
      res.clearCookie('mockflow.sid');
      if (wantsJson(req)) res.status(204).end();
      else res.redirect(303, '/?signed_out=1');
    });
  });

  router.get('/api/csrf', (req, res) => {
    res.set('Cache-Control', 'no-store').json({ token: deps.generateCsrfToken(req) });
  });

  router.get('/api/me', requireUser, (req, res) => {
    const { id, name, email, avatarUrl } = currentUser(req);
    res.json({ id, name, email: email ?? null, avatarUrl: avatarUrl ?? null });
  });

  const remove: RequestHandler = async (req, res, next) => {
    try {
      const user = currentUser(req);
      try {
        await deleteAccount(db, user.id, supabase, logger);
      } catch (err) {
        if (!(err instanceof SupabaseAuthError)) throw err;
        logger.warn({ reason: err.message }, 'account deletion failed at Supabase Auth');
        throw upstream('The sign-in service did not confirm the deletion, so nothing was deleted. Try again in a minute.');
      }
      req.session.destroy(() => {
        res.clearCookie('mockflow.sid');
        if (wantsJson(req)) res.status(204).end();
        else res.redirect(303, '/?deleted=1');
      });
    } catch (err) {
      next(err);
    }
  };
  const confirmed = validate(DeleteAccount, { message: 'Account not deleted: the confirmation did not match.' });
  router.post('/settings/account/delete', requireUser, confirmed, remove, mismatchBackToSettings);
  router.delete('/api/account', requireUser, confirmed, remove);

  return router;
}
