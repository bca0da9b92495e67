import type { Request, RequestHandler } from 'express';
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
  if (req.method === 'GET') req.session.returnTo = req.originalUrl;
  res.redirect(303, '/');
};

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
