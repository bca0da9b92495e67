import type { Request, Response } from 'express';
import { forgetReturnTo, returnToAfterSignIn, safeReturnPath } from './require-user.ts';
import { SIGNED_IN_MAX_AGE_MS, type SessionUser } from './session.ts';

/** Starts a fresh session for `user` (a new id, so a planted session id is worthless). */
export async function signIn(req: Request, res: Response, user: SessionUser): Promise<void> {
  const returnTo = safeReturnPath(returnToAfterSignIn(req));
  forgetReturnTo(req, res);
  await new Promise<void>((resolve, reject) => req.session.regenerate((err) => (err ? reject(err) : resolve())));
  req.session.user = user;
  // The long life starts here; the store keeps it (originalMaxAge) for the rolling cookie.
  req.session.cookie.maxAge = SIGNED_IN_MAX_AGE_MS;
  await new Promise<void>((resolve, reject) => req.session.save((err) => (err ? reject(err) : resolve())));
  res.redirect(302, returnTo);
}

export function signInFailed(res: Response, status: number, message: string, retryUrl: string): void {
  res.status(status).render('error', { title: 'Sign-in did not work', status, message, retryUrl });
}
