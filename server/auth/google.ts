import type { Agent } from 'node:http';
import { Router, type Request, type RequestHandler } from 'express';
import { Passport } from 'passport';
import { Strategy as GoogleStrategy, type GoogleCallbackParameters, type Profile as GoogleProfile } from 'passport-google-oauth20';
import type { Config } from '../config.ts';
import type { Database } from '../db/database.ts';
import type { Logger } from '../logger.ts';
import type { SessionUser } from './session.ts';
import { signIn, signInFailed } from './sign-in.ts';
import { SupabaseAuthError, type SupabaseAuth } from './supabase.ts';
import { idleTimeoutAgent, PROVIDER_TIMEOUT_MS } from './timeouts.ts';
import { ensureUserRow, userForIdentity, type Profile } from './users.ts';

type Google = NonNullable<Config['google']>;

/**
 * "Sign in with Google": the authorization-code flow through passport (state and PKCE checked),
 * then, with Supabase configured, the Google ID token is exchanged with Supabase Auth so the
 * Supabase user id is the app's user id; otherwise the Google subject maps to a local user.
 */
export interface GoogleRouterDeps {
  google: Google;
  publicUrl?: string;
  production: boolean;
  db: Database;
  supabase?: SupabaseAuth;
  logger: Logger;
  signInLimit: RequestHandler[];
  /** How long the callback waits for Google (and Supabase Auth) before showing an error. */
  timeoutMs?: number;
}

export function googleRouter(deps: GoogleRouterDeps): Router {
  const { google, db, supabase, logger } = deps;
  const timeoutMs = deps.timeoutMs ?? PROVIDER_TIMEOUT_MS;
  const passport = new Passport();
  const strategy = new GoogleStrategy(
    {
      clientID: google.clientId,
      clientSecret: google.clientSecret,
      authorizationURL: google.authorizationUrl,
      tokenURL: google.tokenUrl,
      userProfileURL: google.userInfoUrl,
      callbackURL: deps.publicUrl ? `${deps.publicUrl}/auth/callback` : '/auth/callback',
      proxy: deps.production,
      scope: ['openid', 'email', 'profile'],
      state: true,
      pkce: true,
    } as ConstructorParameters<typeof GoogleStrategy>[0],
    ((_access: string, _refresh: string, params: GoogleCallbackParameters, profile: GoogleProfile, done: (err: unknown, user?: SessionUser) => void) => {
      const details: Profile = {
        name: profile.displayName || undefined,
        email: profile.emails?.[0]?.value,
        avatarUrl: profile.photos?.[0]?.value,
      };
      resolveUser(params.id_token, profile.id, details).then((user) => done(null, user), done);
    }) as never,
  );
  // passport-oauth2's oauth client (`_oauth2`) has no timeout. It takes one agent for both of its
  // requests (token, user info), so it gets one only when they share a protocol. The callback's
  // deadline answers the user either way; the agent drops the connection left hanging.
  if (new URL(google.tokenUrl).protocol === new URL(google.userInfoUrl).protocol) {
    const oauth2 = (strategy as unknown as { _oauth2: { setAgent(agent: Agent): void } })._oauth2;
    oauth2.setAgent(idleTimeoutAgent(new URL(google.tokenUrl).protocol, timeoutMs));
  }
  passport.use('google', strategy);

  async function resolveUser(idToken: string | undefined, subject: string, profile: Profile): Promise<SessionUser> {
    if (!supabase) return userForIdentity(db, 'google', subject, profile);
    if (!idToken) throw new SupabaseAuthError('Google did not return an ID token to pass to Supabase Auth');
    const linked = await supabase.signInWithGoogleIdToken(idToken);
    return ensureUserRow(db, linked.id, { ...linked.profile, ...definedOnly(profile) });
  }

  const router = Router();
  router.use(passport.initialize());
  router.get('/auth/google', ...deps.signInLimit, passport.authenticate('google', { session: false }));
  router.get('/auth/callback', ...deps.signInLimit, (req, res, next) => {
    // Whatever Google and Supabase Auth do, the user gets an answer in time; a late result is dropped.
    let settled = false;
    const deadline = setTimeout(() => {
      if (settled || res.headersSent) return;
      settled = true;
      logger.warn({ provider: 'google', reason: `no answer within ${timeoutMs} ms` }, 'sign-in failed');
      signInFailed(res, 504, 'Signing in took too long: Google or the account service did not answer in time.', '/auth/google');
    }, timeoutMs);
    res.once('close', () => clearTimeout(deadline));
    passport.authenticate('google', { session: false }, (err: unknown, user: SessionUser | false, info: { message?: string } | undefined) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      if (err || !user) {
        const reason = describeFailure(req, err, info);
        // The reason names the failure, never a code, token or secret.
        logger.warn({ provider: 'google', reason: reason.log }, 'sign-in failed');
        return signInFailed(res, reason.status, reason.message, '/auth/google');
      }
      signIn(req, res, user).catch(next);
    })(req, res, next);
  });
  return router;
}

function describeFailure(req: Request, err: unknown, info: { message?: string } | undefined): { status: number; message: string; log: string } {
  if (typeof req.query.error === 'string') {
    const denied = req.query.error === 'access_denied';
    return {
      status: 400,
      message: denied ? 'Google sign-in was cancelled.' : 'Google could not complete the sign-in.',
      log: `provider error: ${req.query.error.slice(0, 64)}`,
    };
  }
  if (err instanceof SupabaseAuthError) {
    return { status: 502, message: 'We could not reach the account service to finish signing you in.', log: err.message };
  }
  if (err) {
    const name = (err as Error).name ?? 'Error';
    const cause = (err as { oauthError?: { code?: string; statusCode?: number } }).oauthError;
    const detail = cause?.statusCode ? `status ${cause.statusCode}` : (cause?.code ?? (err as Error).message);
    return { status: 502, message: 'Google could not complete the sign-in.', log: `${name}: ${String(detail).slice(0, 120)}` };
  }
  return {
    status: 400,
    message: 'This sign-in link has expired or was not started here.',
    log: info?.message ?? 'authentication failed',
  };
}

function definedOnly(profile: Profile): Profile {
  return Object.fromEntries(Object.entries(profile).filter(([, v]) => v !== undefined)) as Profile;
}
