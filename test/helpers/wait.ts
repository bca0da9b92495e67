// Waiting in a test for something to happen: re-checked when it may have (an event), or on a
// short poll where nothing announces it; never a fixed sleep.
import type { EventEmitter } from 'node:events';

export interface WaitOptions {
  /** For the failure: what was awaited, or a function saying what was seen instead. */
  explain?: string | (() => string);
  /** Re-check each time this emits `event`, instead of polling. */
  on?: [emitter: Pick<EventEmitter, 'on' | 'off'>, event: string];
  timeoutMs?: number;
}

/**
 * The poll starts at 20 ms and doubles up to 200 ms: what comes at once is seen at once, and a
 * long wait does not spend the CPU the thing it waits for needs (a check may ask a browser, a
 * server or /proc).
 */
const FIRST_POLL_MS = 20;
const LONGEST_POLL_MS = 200;

/**
 * Resolves with the first value of `check` that is not undefined, null or false, checked at once
 * and then on each event (or poll); fails after `timeoutMs` with the explanation.
 */
export function waitFor<T>(check: () => T | Promise<T>, { explain = 'a condition', on, timeoutMs = 15_000 }: WaitOptions = {}): Promise<Exclude<T, undefined | null | false>> {
  return new Promise((resolve, reject) => {
    let settled = false;
    let poll: NodeJS.Timeout | undefined;
    let pollMs = FIRST_POLL_MS;
    const finish = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      clearTimeout(poll);
      on?.[0].off(on[1], recheck);
      outcome();
    };
    const recheck = async () => {
      try {
        const value = await check();
        if (value !== undefined && value !== null && value !== false) return finish(() => resolve(value as Exclude<T, undefined | null | false>));
      } catch (err) {
        return finish(() => reject(err));
      }
      if (!on && !settled) {
        poll = setTimeout(recheck, pollMs);
        pollMs = Math.min(pollMs * 2, LONGEST_POLL_MS);
      }
    };
    const deadline = setTimeout(() => {
      const why = typeof explain === 'string' ? ` waiting for ${explain}` : `: ${explain()}`;
      finish(() => reject(new Error(`timed out after ${timeoutMs} ms${why}`)));
    }, timeoutMs);
    on?.[0].on(on[1], recheck);
    void recheck();
  });
}
