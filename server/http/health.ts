import { Router } from 'express';
import type { Database } from '../db/database.ts';

export interface WorkerStatus {
  active(): number;
  readonly max: number;
  /** False once a shutdown has begun: new interviews go elsewhere. */
  accepting?(): boolean;
}

/** Every server process on this database with a live lease, and their interview slots as of their last renewal. */
export interface FleetStatus {
  instances: number;
  /** Those that run interviews (MOCKFLOW_ROLE all or runner). */
  runners: number;
  slotsUsed: number;
  slotsFree: number;
}

export interface HealthOptions {
  db: Database;
  workers: WorkerStatus;
  version: string;
  /** Milliseconds; injectable so tests can age the cache. */
  now?: () => number;
  cacheMs?: number;
  pingTimeoutMs?: number;
  /** Read with each database check when set (server/instances): /health then reports it as `fleet`. */
  fleet?: () => Promise<FleetStatus>;
}

/**
 * /health answers from memory: the database is asked at most once per `cacheMs`, and callers
 * arriving while a check runs share it, so a load balancer's polling costs nothing.
 */
export function healthRouter({ db, workers, version, now = Date.now, cacheMs = 5_000, pingTimeoutMs = 2_000, fleet }: HealthOptions): Router {
  const startedAt = now();
  let last: { ok: boolean; at: number } | undefined;
  let pending: Promise<boolean> | undefined;
  let fleetSeen: FleetStatus | undefined;

  async function ping(): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('timeout')), pingTimeoutMs);
    });
    try {
      await Promise.race([db.query('select 1'), timeout]);
      if (fleet) fleetSeen = await Promise.race([fleet(), timeout]);
      return true;
    } catch {
      return false;
    } finally {
      clearTimeout(timer);
    }
  }

  async function databaseOk(): Promise<boolean> {
    if (last && now() - last.at < cacheMs) return last.ok;
    pending ??= ping().then((ok) => {
      last = { ok, at: now() };
      pending = undefined;
      return ok;
    });
    return pending;
  }

  const router = Router();
  router.get('/health', async (_req, res) => {
    const ok = await databaseOk();
    res.status(ok ? 200 : 503).json({
      status: ok ? 'healthy' : 'unhealthy',
      database: ok ? 'connected' : 'unreachable',
      workers: { active: workers.active(), max: workers.max },
      ...(fleet && ok && fleetSeen ? { fleet: fleetSeen } : {}),
      version,
      uptimeSeconds: Math.round((now() - startedAt) / 1000),
    });
  });
  // Liveness: the process answers. Readiness: it can serve, which needs the database.
  router.get('/live', (_req, res) => {
    res.json({ status: 'alive' });
  });
  router.get('/ready', async (_req, res) => {
    if (workers.accepting?.() === false) {
      res.status(503).json({ status: 'shutting_down' });
      return;
    }
    const ok = await databaseOk();
    res.status(ok ? 200 : 503).json({ status: ok ? 'ready' : 'not_ready' });
  });
  return router;
}
