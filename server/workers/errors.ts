// What a start can fail with, in the words the candidate reads. All are HttpErrors, so a route
// may simply let them propagate to the one error handler.

import type { ChildMessage } from '../../agent/protocol.ts';
import { capacity, unavailable, upstream } from '../http/errors.ts';

/** Every interview slot is taken. Never queued: the caller is told when to try again. */
export const poolFull = (retryAfterSeconds: number) =>
  capacity(retryAfterSeconds, 'All interview slots are in use right now — try again in a minute.');

export const SHUTTING_DOWN = 'The server is restarting — try again in a moment.';

/** Why a start failed when the child said nothing of its own. */
export const NOT_READY_IN_TIME = 'The interviewer did not start in time — try again in a moment.';
export const COULD_NOT_START = 'The interviewer could not start — try again in a moment.';

/** The server is shutting down: starts are refused, and one still starting was stopped. */
export const poolClosed = (retryAfterSeconds = 30) => unavailable(SHUTTING_DOWN, retryAfterSeconds);

export type StartFailure = 'error' | 'timeout' | 'exit';
export type FailedProvider = Extract<ChildMessage, { type: 'error' }>['provider'];

/**
 * The child did not become ready; it has been killed and its slot freed. `reason` is one plain
 * sentence for the candidate: the child's own `error` message when it sent one (never secrets).
 */
export const agentDidNotStart = (reason: string, provider?: FailedProvider) => upstream(reason, provider ? { provider } : {});
