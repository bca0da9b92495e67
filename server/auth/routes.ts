import { Router } from 'express';
import { z } from 'zod';
import type { Database } from '../db/database.ts';
import { forbidden, upstream, validation } from '../http/errors.ts';
import { wantsJson } from '../http/error-handler.ts';
import type { Logger } from '../logger.ts';
import { DELETE_CONFIRMATION, deleteAccount } from './account.ts';
import { isLocalBrowser, LOCAL_SIGN_IN_ELSEWHERE, LOCAL_USER_NAME } from './local.ts';
import { currentUser, requireUser } from './require-user.ts';
import { signIn } from './sign-in.ts';
import { SupabaseAuthError, type SupabaseAuth } from './supabase.ts';
import { userForIdentity } from './users.ts';
import type { RequestHandler } from 'express';

export interface AuthRoutesDeps {
  db: Database;
  logger: Logger;
  supabase?: SupabaseAuth;
  /** "Continue as local user" exists only without Google and outside production, for a browser on this machine. */
  localSignIn: boolean;
  signInLimit: RequestHandler[];
  generateCsrfToken: (req: Parameters<RequestHandler>[0], overwrite?: boolean) => string;
}

const DeleteAccount = z.object({ confirm: z.string().trim().toLowerCase() });

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
      const parsed = DeleteAccount.safeParse(req.body ?? {});
      if (!parsed.success || parsed.data.confirm !== DELETE_CONFIRMATION) {
        // The form goes back to the settings page, which says what to type next to the field.
        if (!wantsJson(req)) return res.redirect(303, '/settings?confirm=mismatch#confirm-delete');
        throw validation({ confirm: `Type "${DELETE_CONFIRMATION}" to confirm.` }, 'Account not deleted: the confirmation did not match.');
      }
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
  router.post('/settings/account/delete', requireUser, remove);
  router.delete('/api/account', requireUser, remove);

  return router;
}
