import type { Request, RequestHandler, Response } from 'express';
import { clearSignedOutCookie, readCookie, setSignedOutCookie } from '../http/cookies.ts';
import { unauthorized } from '../http/errors.ts';
import { wantsJson } from '../http/error-handler.ts';
import type { SessionUser } from './session.ts';

/** API requests without a session get 401 JSON; pages send the browser to sign in and back. */
export const requireUser: RequestHandler = (req, res, next) => {
  const user = req.session?.user;
  if (user) {
    res.locals.user = user;
    return next();
  }
  if (wantsJson(req)) return next(unauthorized());
  if (req.method === 'GET') setSignedOutCookie(req, res, RETURN_TO_COOKIE, req.originalUrl);
  res.redirect(303, '/');
};

/** Where a signed-out visitor was going: a cookie, so a crawler's visits leave no session rows. */
const RETURN_TO_COOKIE = 'mockflow.return';

export function returnToAfterSignIn(req: Request): string | undefined {
  return readCookie(req, RETURN_TO_COOKIE);
}

export function forgetReturnTo(req: Request, res: Response): void {
  clearSignedOutCookie(req, res, RETURN_TO_COOKIE);
}

export function currentUser(req: Request): SessionUser {
  const user = req.session?.user;
  if (!user) throw unauthorized();
  return user;
}

/** A local path to return to after sign-in; anything else (other hosts, `//x`) becomes /dashboard. */
export function safeReturnPath(value: unknown): string {
  if (typeof value !== 'string' || !value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\')) {
    return '/dashboard';
  }
  return value;
}
