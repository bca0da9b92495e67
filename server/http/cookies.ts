import type { Request, Response } from 'express';

/**
 * What a signed-out visitor carries (the sign-in form's CSRF token, where to go after signing
 * in) lives in cookies of its own, not in a session row: a visitor who never signs in costs the
 * database nothing. They last an hour, like a signed-out session would.
 */
export const SIGNED_OUT_MAX_AGE_MS = 60 * 60 * 1000;

export function readCookie(req: Request, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const at = part.indexOf('=');
    if (at < 0 || part.slice(0, at).trim() !== name) continue;
    try {
      return decodeURIComponent(part.slice(at + 1).trim());
    } catch {
      return undefined;
    }
  }
  return undefined;
}

export function setSignedOutCookie(req: Request, res: Response, name: string, value: string): void {
  // req.secure: HTTPS as the trusted proxy reports it (production), so the cookie is Secure there.
  res.cookie(name, value, { httpOnly: true, sameSite: 'lax', secure: req.secure, path: '/', maxAge: SIGNED_OUT_MAX_AGE_MS });
}

export function clearSignedOutCookie(req: Request, res: Response, name: string): void {
  if (readCookie(req, name) !== undefined) res.clearCookie(name, { httpOnly: true, sameSite: 'lax', secure: req.secure, path: '/' });
}
