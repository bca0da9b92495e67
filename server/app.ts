import express, { type Express } from 'express';
import { pinoHttp } from 'pino-http';
import { authRouter, googleRouter, createSessions, createSupabaseAuth, type SupabaseAuth } from './auth/index.ts';
import type { Config } from './config.ts';
import type { Database } from './db/database.ts';
import type { Logger } from './logger.ts';
import { errorHandler, notFoundHandler } from './http/error-handler.ts';
import { healthRouter, type FleetStatus, type WorkerStatus } from './http/health.ts';
import { createCsrf, DEFAULT_RATE_LIMITS, limit, securityHeaders, type RateLimits } from './http/security.ts';
import { useViews } from './http/views.ts';
import { PUBLIC_DIR } from './paths.ts';
import { pagesRouter, interviewPagesRouter, historyPagesRouter, pageScriptsRouter } from './web/index.ts';
import { keysRouter } from './keys/index.ts';
import { feedbackRouter } from './feedback/index.ts';
import { interviewsRouter, InterviewService, readerFor, type InterviewEvents, type ResumeReader } from './interviews/index.ts';
import { localInterviews, type InterviewParts } from './interview-parts.ts';
import type { WorkerPool } from './workers/index.ts';

export interface AppDeps {
  config: Config;
  db: Database;
  logger: Logger;
  /** The interview children of a one-process server; one is built from the config when absent. */
  pool?: WorkerPool;
  /** How interviews reach their runners (server/interview-parts.ts); by default this process runs them on `pool`. */
  interviews?: InterviewParts;
  /** What /health reports as workers (the pool by default). */
  workers?: WorkerStatus;
  version: string;
  /** This process's lease (server/instances): recorded on the interviews it runs and the feedback it writes. */
  instanceId?: string;
  /** Every process's lease and slots, for /health (server/instances' fleetStatus). */
  fleet?: () => Promise<FleetStatus>;
  /** For tests that age the health cache. */
  now?: () => number;
  rateLimits?: Partial<RateLimits>;
  /** Per-provider timeout of "Test keys" (10 s by default). */
  keyCheckTimeoutMs?: number;
  /** Whole feedback generation, retry included (55 s by default). */
  feedbackTimeoutMs?: number;
  /** How long sign-in waits for Google or Supabase Auth (15 s by default). */
  signInTimeoutMs?: number;
  /** Reads uploaded résumés (by default one with the configured budget). */
  resumeReader?: ResumeReader;
}

export interface MockFlowApp {
  app: Express;
  events: InterviewEvents;
  /** On SIGTERM: refuses new interviews and lets the live ones run for up to limitMs (see InterviewRunner.drain). */
  drain(limitMs: number): Promise<number>;
  /** Stops the app's timers (session pruning). */
  close(): void;
}

const PROBES = new Set(['/health', '/ready', '/live']);

/** A runner (MOCKFLOW_ROLE=runner) serves the probes only: /health, /live and /ready. */
export function probesApp(deps: Pick<AppDeps, 'db' | 'version' | 'fleet'> & { workers: WorkerStatus }): Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(healthRouter(deps));
  app.use(notFoundHandler);
  app.use(errorHandler({ exposeInternals: false }));
  return app;
}

/** Builds the whole HTTP app from its dependencies; does no I/O of its own. */
export function createApp(deps: AppDeps): MockFlowApp {
  const { config, db, logger, version } = deps;
  const interviews = deps.interviews ?? localInterviews(deps);
  const { events, vault, feedbackWriter, runners } = interviews;
  const workers = deps.workers ?? interviews.workers;
  const limits = { ...DEFAULT_RATE_LIMITS, ...deps.rateLimits };
  const supabase: SupabaseAuth | undefined = config.supabase
    ? createSupabaseAuth({ ...config.supabase, timeoutMs: deps.signInTimeoutMs })
    : undefined;
  const { localSignIn } = config;

  const app = express();
  app.disable('x-powered-by');
  // Exactly the configured proxies may say who the client is (req.ip, per-IP limits) and that
  // the request came over HTTPS; an X-Forwarded-For from anyone else is ignored.
  app.set('trust proxy', config.trustProxyHops > 0 ? config.trustProxyHops : false);
  useViews(app, { cache: config.isProduction });

  app.use(securityHeaders({ production: config.isProduction }));
  app.use(
    pinoHttp({
      logger,
      customLogLevel: (req, res, err) => {
        if (err || res.statusCode >= 500) return 'error';
        if (res.statusCode >= 400) return 'warn';
        // A platform's health polling would drown everything else at info.
        return PROBES.has(req.url ?? '') ? 'debug' : 'info';
      },
      // Query strings can carry OAuth codes and state: log the path only.
      serializers: {
        req: (req: { id: unknown; method: string; url: string }) => ({ id: req.id, method: req.method, path: req.url.split('?')[0] }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      },
    }),
  );
  app.use(healthRouter({ db, workers, version, now: deps.now, fleet: deps.fleet }));
  app.use(pageScriptsRouter({ maxAgeMs: config.isProduction ? 3_600_000 : 0 }));
  app.use('/static', express.static(PUBLIC_DIR, { maxAge: config.isProduction ? '1h' : 0 }));
  app.use(express.json({ limit: '256kb' }));
  app.use(express.urlencoded({ extended: false, limit: '256kb' }));

  const sessions = createSessions(db, { secret: config.secretKey, secure: config.isProduction });
  app.use(sessions.middleware);
  const csrf = createCsrf();
  app.use(csrf.exposeToken);
  app.use((req, res, next) => {
    res.locals.user = req.session.user;
    // What a signed-in user is shown is theirs alone: no browser history or shared cache keeps
    // it. Static files (the vendored livekit-client among them) stay cacheable.
    if ((req.session.user && !req.path.startsWith('/static/')) || req.path.startsWith('/api/')) res.set('Cache-Control', 'no-store');
    next();
  });
  // Disabled local sign-in is absent whether or not a token comes with it: 404, not CSRF's 403.
  if (!localSignIn) app.post('/auth/local', notFoundHandler);
  app.use(csrf.protect);

  const signInLimit = limit(limits.signIn, 'sign-in attempts');
  if (config.google) {
    const google = { google: config.google, publicUrl: config.publicUrl, production: config.isProduction };
    app.use(googleRouter({ ...google, db, supabase, logger, signInLimit, timeoutMs: deps.signInTimeoutMs }));
  }
  app.use(authRouter({ db, logger, supabase, localSignIn, signInLimit, generateCsrfToken: csrf.generateToken }));
  const service = new InterviewService({ db, runners, events, publish: interviews.publish, vault, config, logger, feedbackWriter, instanceId: deps.instanceId });
  app.use(
    interviewsRouter({
      db,
      runners,
      events,
      service,
      interviewerName: config.interview.interviewerName,
      startLimit: limit(limits.interviewStart, 'interview starts'),
      resumeLimit: limit(limits.resume, 'résumé uploads'),
      resumeReader: deps.resumeReader ?? readerFor(config),
    }),
  );
  app.use(
    feedbackRouter({
      db,
      feedbackLimit: limit(limits.feedback, 'feedback requests'),
      writer: feedbackWriter,
    }),
  );
  app.use(
    keysRouter({
      db,
      vault,
      production: config.isProduction,
      deepgramBaseUrl: config.deepgramApiUrl,
      keyTestLimit: limit(limits.keyTest, 'key tests'),
      checkTimeoutMs: deps.keyCheckTimeoutMs,
    }),
  );
  app.use(interviewPagesRouter({ db, staticMaxAgeMs: config.isProduction ? 3_600_000 : 0 }));
  app.use(historyPagesRouter({ db, vault, interviewerName: config.interview.interviewerName }));
  app.use(pagesRouter({ db, googleSignIn: Boolean(config.google), localSignIn }));

  app.use(notFoundHandler);
  app.use(errorHandler({ exposeInternals: !config.isProduction }));
  return {
    app,
    events,
    drain: (limitMs) => interviews.drain(limitMs),
    close: () => {
      events.closeStreams();
      sessions.close();
    },
  };
}
