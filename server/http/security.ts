import type { Request, RequestHandler } from 'express';
import { rateLimit, ipKeyGenerator } from 'express-rate-limit';
import helmet from 'helmet';
import { csrfSync } from 'csrf-sync';
import { readCookie, setSignedOutCookie } from './cookies.ts';
import { csrfFailed, rateLimited } from './errors.ts';

/** Strict headers: scripts and styles from this origin only, no framing. */
export function securityHeaders({ production }: { production: boolean }): RequestHandler {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:', 'https:'],
        fontSrc: ["'self'"],
        // The candidate's own LiveKit server, wherever it is hosted.
        connectSrc: ["'self'", 'wss:', 'https:', ...(production ? [] : ['ws:'])],
        mediaSrc: ["'self'", 'blob:'],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        ...(production ? { upgradeInsecureRequests: [] } : {}),
      },
    },
    // The same as frame-ancestors 'none', for browsers that only know this header.
    xFrameOptions: { action: 'deny' },
    referrerPolicy: { policy: 'strict-origin-when-cross-origin' },
    strictTransportSecurity: production ? { maxAge: 31_536_000, includeSubDomains: true } : false,
    crossOriginEmbedderPolicy: false,
  });
}

const SIGNED_OUT_CSRF_COOKIE = 'mockflow.csrf';

/**
 * Synchronizer-token CSRF protection: a signed-in user's token lives in the session; JSON
 * requests send it as X-CSRF-Token, forms as the hidden field `_csrf`. A signed-out visitor's
 * token (the sign-in form's) lives in an HttpOnly cookie instead, compared with the field the
 * same way, so showing the sign-in page stores no session row.
 */
export function createCsrf() {
  const signedIn = (req: Request) => Boolean(req.session?.user);
  const csrf = csrfSync({
    getTokenFromState: (req) =>
      signedIn(req) ? req.session.csrfToken : ((req.res?.locals.signedOutCsrf as string | undefined) ?? readCookie(req, SIGNED_OUT_CSRF_COOKIE)),
    storeTokenInState: (req, token) => {
      if (signedIn(req)) req.session.csrfToken = token;
      else if (typeof token === 'string' && req.res) {
        // Read back within this request too: the request's Cookie header does not have it yet.
        req.res.locals.signedOutCsrf = token;
        setSignedOutCookie(req, req.res, SIGNED_OUT_CSRF_COOKIE, token);
      }
    },
    getTokenFromRequest: (req) => {
      const header = req.headers['x-csrf-token'];
      if (typeof header === 'string') return header;
      const field = (req.body as Record<string, unknown> | undefined)?._csrf;
      return typeof field === 'string' ? field : undefined;
    },
  });
  const protect: RequestHandler = (req, _res, next) => {
    if (req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS') return next();
    if (!csrf.isRequestValid(req)) return next(csrfFailed('This form or request has expired or did not come from MockFlow. Reload the page and try again.'));
    next();
  };
  /** Makes `csrfToken` available to every page template. */
  const exposeToken: RequestHandler = (req, res, next) => {
    res.locals.csrfToken = () => csrf.generateToken(req);
    next();
  };
  return { protect, exposeToken, generateToken: csrf.generateToken };
}

export interface LimitSpec {
  windowMs: number;
  /** Requests per window per IP address. */
  perIp: number;
  /** Requests per window per signed-in user (ignored for signed-out requests). */
  perUser?: number;
}

export interface RateLimits {
  signIn: LimitSpec;
  keyTest: LimitSpec;
  interviewStart: LimitSpec;
  feedback: LimitSpec;
  resume: LimitSpec;
}

export const DEFAULT_RATE_LIMITS: RateLimits = {
  signIn: { windowMs: 15 * 60_000, perIp: 30 },
  keyTest: { windowMs: 60_000, perIp: 20, perUser: 10 },
  interviewStart: { windowMs: 10 * 60_000, perIp: 30, perUser: 10 },
  feedback: { windowMs: 10 * 60_000, perIp: 30, perUser: 10 },
  // Each upload may hold a reader child for seconds (server/interviews/resume-reader.ts).
  resume: { windowMs: 10 * 60_000, perIp: 30, perUser: 10 },
};

/** 429 with Retry-After and a readable message, per IP and (when signed in) per user. */
export function limit(spec: LimitSpec, what: string): RequestHandler[] {
  const handler = (retryAfterSeconds: number) =>
    rateLimited(retryAfterSeconds, `Too many ${what}. Try again in ${describeWait(retryAfterSeconds)}.`);
  const common = {
    windowMs: spec.windowMs,
    standardHeaders: 'draft-7' as const,
    legacyHeaders: false,
    handler: (req: Parameters<RequestHandler>[0], _res: Parameters<RequestHandler>[1], next: Parameters<RequestHandler>[2]) => {
      const reset = (req as { rateLimit?: { resetTime?: Date } }).rateLimit?.resetTime?.getTime() ?? Date.now() + spec.windowMs;
      next(handler(Math.max(1, Math.ceil((reset - Date.now()) / 1000))));
    },
  };
  const chain: RequestHandler[] = [
    rateLimit({ ...common, limit: spec.perIp, keyGenerator: (req) => `ip:${ipKeyGenerator(req.ip ?? 'unknown')}` }),
  ];
  if (spec.perUser !== undefined) {
    chain.push(
      rateLimit({
        ...common,
        limit: spec.perUser,
        skip: (req) => !req.session?.user,
        keyGenerator: (req) => `user:${req.session.user!.id}`,
      }),
    );
  }
  return chain;
}

function describeWait(seconds: number): string {
  if (seconds < 90) return `${seconds} second${seconds === 1 ? '' : 's'}`;
  return `${Math.ceil(seconds / 60)} minutes`;
}
