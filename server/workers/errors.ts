// What a start can fail with. All are HttpErrors, so a route may simply let them propagate
// to the one error handler; the fields are there for callers that want to say more.

import { HttpError } from '../http/errors.ts';

/** Every interview slot is taken. Never queued: the caller is told when to try again. */
export class PoolFullError extends HttpError {
  constructor(
    readonly retryAfterSeconds: number,
    readonly max: number,
  ) {
    super(429, 'capacity', 'All interview slots are in use right now — try again in a minute.', {
      headers: { 'Retry-After': String(retryAfterSeconds) },
      details: { retryAfterSeconds },
    });
    this.name = 'PoolFullError';
  }
}

/** The server is shutting down: starts are refused, and one still starting was stopped. */
export class PoolClosedError extends HttpError {
  constructor(readonly retryAfterSeconds = 30) {
    super(503, 'unavailable', 'The server is restarting — try again in a moment.', {
      headers: { 'Retry-After': String(retryAfterSeconds) },
      details: { retryAfterSeconds },
    });
    this.name = 'PoolClosedError';
  }
}

export type StartFailure = 'error' | 'timeout' | 'exit';

/**
 * The child did not become ready; it has been killed and its slot freed. `reason` is one plain
 * sentence for the candidate: the child's own `error` message when it sent one (never secrets).
 */
export class AgentStartError extends HttpError {
  constructor(
    readonly reason: string,
    readonly failure: StartFailure,
    readonly provider?: 'llm' | 'stt' | 'tts' | 'livekit',
  ) {
    super(502, 'bad_gateway', reason, { details: provider ? { provider } : {} });
    this.name = 'AgentStartError';
  }
}
