import type { Request } from 'express';
import { isLoopbackAddress, isLoopbackHost } from '../http/loopback.ts';

/**
 * "Continue as local user" makes whoever asks the owner of this server's data and keys, so it is
 * answered only to a browser on this machine: a loopback client (as the trusted proxies report
 * it) that asked for a loopback host name, whatever address the server listens on.
 */
export function isLocalBrowser(req: Request): boolean {
  return isLoopbackAddress(req.ip) && isLoopbackHost(req.hostname);
}

/** The display name of the local user: a placeholder, not the candidate's name (the start form does not prefill it). */
export const LOCAL_USER_NAME = 'Local user';

export const LOCAL_SIGN_IN_ELSEWHERE =
  '"Continue as local user" works only in a browser on the machine running MockFlow (http://localhost). ' +
  'To sign in from other machines, configure Google sign-in (GOOGLE_CLIENT_ID and GOOGLE_CLIENT_SECRET).';
