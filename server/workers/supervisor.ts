// One interview's child process, from fork to exit: readiness, in-order delivery of what the
// child reports, the idle and duration limits, stopping, and exactly one end notification.

import type { ChildProcess } from 'node:child_process';
import type { ChildMessage, ParentMessage, StartMessage } from '../../agent/protocol.ts';
import type { EndReason } from '../../shared/vocabulary.ts';
import type { Redact } from '../../shared/redact.ts';
import type { HttpError } from '../http/errors.ts';
import type { Logger } from '../logger.ts';
import { agentDidNotStart, COULD_NOT_START, NOT_READY_IN_TIME, poolClosed, SHUTTING_DOWN, type FailedProvider, type StartFailure } from './errors.ts';

/** Everything the child reports once it is ready. */
export type LiveMessage = Exclude<ChildMessage, { type: 'ready' }>;

export interface InterviewEnd {
  interviewId: string;
  reason: EndReason;
  /** From fork to exit. */
  durationMs: number;
  /** The child's last `error` message, or why its start failed (a plain sentence). */
  error?: string;
  /** False for a child that never became ready (its start failed or was cut short). */
  ready: boolean;
}

/**
 * Delivered one at a time, in order: a returned promise is awaited before the next message, so
 * each one can be persisted before the next is handled. `onEnd` comes once, after every message,
 * for every child, ready or not; a failed start rejects only after its `onEnd` has run.
 */
export interface InterviewCallbacks {
  onMessage?: (message: LiveMessage) => void | Promise<void>;
  onEnd?: (end: InterviewEnd) => void | Promise<void>;
  /** The idle limit will end the interview at `endsAt` (epoch ms) unless the candidate answers or is present. */
  onIdleSoon?: (endsAt: number) => void;
}

/** How long before the idle limit the candidate is warned: a third of it, at most a minute. */
export function idleWarningMs(idleMs: number): number {
  return Math.min(60_000, Math.round(idleMs / 3));
}

/** A live interview's child, as the routes see it. */
export interface InterviewChild {
  readonly interviewId: string;
  readonly pid: number;
  /** Fork → `ready`, measured by the parent. */
  readonly readyMs: number;
  /** Candidate input; false when the child is already ending (the message is dropped). */
  send(message: Extract<ParentMessage, { type: 'user_text' | 'skip_stage' | 'retry' }>): boolean;
  /** The candidate is there (typing, or answered the idle warning): the idle limit starts again. */
  stillHere(): boolean;
  /**
   * Asks the child to end with this reason (killed after a grace period); resolves once the
   * process has exited and `onEnd` has run, so the end is recorded by then.
   */
  stop(reason?: EndReason): Promise<void>;
  /** Resolves after `onEnd` has been delivered (also for a child that never became ready). */
  readonly ended: Promise<InterviewEnd>;
}

export interface SupervisorLimits {
  readyTimeoutMs: number;
  /** No candidate turn for this long ends the interview with `idle`; 0 disables it. */
  idleMs: number;
  /** After `ready`; the child enforces the same limit itself, this is the backstop. */
  maxDurationMs: number;
  /** How long a child may take to exit after `stop` or `ended` before it is killed (unless `stop` names a deadline). */
  stopGraceMs: number;
}

export interface SupervisorOptions extends InterviewCallbacks {
  start: StartMessage;
  logger: Logger;
  /** Takes the start's secrets out of the child's error messages, which are logged and stored. */
  redact: Redact;
  limits: SupervisorLimits;
  fork: () => ChildProcess;
  /** Called once, synchronously, when the process is gone: frees the slot. */
  onExit: () => void;
}

const ENDED_BEFORE_READY = 'The interview was ended before the interviewer was ready.';

type TimerName = 'ready' | 'idle' | 'idleWarning' | 'duration' | 'kill';
type FailedStart = { reason: string; kind: StartFailure; provider?: FailedProvider };

export class ChildSupervisor {
  readonly interviewId: string;
  readonly handle: InterviewChild;
  /** Resolves when the process is gone. */
  readonly exited: Promise<void>;
  /** Resolves when the process is gone and its end has been delivered. */
  readonly done: Promise<void>;

  private readonly options: SupervisorOptions;
  private readonly log: Logger;
  private readonly forkedAt = performance.now();
  private child?: ChildProcess;
  private pid = 0;
  private readyMs = 0;
  private live = false;
  private gone = false;
  private failure?: FailedStart;
  private lastError?: Extract<ChildMessage, { type: 'error' }>;
  private providerPaused = false;
  private childEndReason?: EndReason;
  private stopReason?: EndReason;
  private early: LiveMessage[] = [];
  private deliveries: Promise<void> = Promise.resolve();
  private readonly timers: Partial<Record<TimerName, ReturnType<typeof setTimeout>>> = {};
  /** When the kill timer fires (performance.now() time). */
  private killAt = Infinity;
  private settleStart!: { resolve: () => void; reject: (error: HttpError) => void };
  private markExited!: () => void;
  private markEnded!: (end: InterviewEnd) => void;
  private readonly ended: Promise<InterviewEnd>;

  constructor(options: SupervisorOptions) {
    this.options = options;
    this.interviewId = options.start.interview.interviewId;
    this.log = options.logger;
    this.exited = new Promise((resolve) => (this.markExited = resolve));
    this.ended = new Promise((resolve) => (this.markEnded = resolve));
    this.done = this.exited.then(() => this.ended).then(() => undefined);
    const self = this;
    this.handle = Object.freeze({
      interviewId: this.interviewId,
      get pid() {
        return self.pid;
      },
      get readyMs() {
        return self.readyMs;
      },
      send: (message: Parameters<InterviewChild['send']>[0]) => this.send(message),
      stillHere: () => this.stillHere(),
      stop: (reason?: EndReason) => this.stop(reason),
      ended: this.ended,
    });
  }

  /** Forks, sends `start`, and resolves at `ready`; otherwise kills the child and rejects once it is gone. */
  launch(): Promise<void> {
    const ready = new Promise<void>((resolve, reject) => (this.settleStart = { resolve, reject }));
    let child: ChildProcess;
    try {
      child = this.options.fork();
    } catch (error) {
      this.log.error({ err: error }, 'interview child could not be forked');
      this.failure = { reason: COULD_NOT_START, kind: 'exit' };
      this.onGone(null, null);
      return ready;
    }
    this.child = child;
    this.pid = child.pid ?? 0;
    this.log.info({ pid: this.pid }, 'interview child spawned');
    child.on('message', (message: unknown) => this.onMessage(message));
    child.once('close', (code, signal) => this.onGone(code, signal));
    child.on('error', (error) => {
      this.log.warn({ err: error, pid: this.pid }, 'interview child process error');
      if (!child.pid) this.onGone(null, null); // never spawned: no 'close' will come
    });
    this.timers.ready = setTimeout(() => this.failStart(NOT_READY_IN_TIME, 'timeout'), this.options.limits.readyTimeoutMs);
    child.send(this.options.start, undefined, {}, () => undefined);
    return ready;
  }

  stillHere(): boolean {
    if (!this.live || this.gone || this.childEndReason || this.stopReason) return false;
    this.armIdle();
    return true;
  }

  send(message: Parameters<InterviewChild['send']>[0]): boolean {
    if (!this.live || this.gone || this.childEndReason || this.stopReason || !this.child?.connected) return false;
    if (message.type === 'user_text' || message.type === 'retry') this.armIdle();
    this.child.send(message, undefined, {}, () => undefined);
    return true;
  }

  /**
   * Asks the child to end; it is killed at `killAt` (a performance.now() time; default: the
   * grace period from now) if still there. A later call may bring the kill forward, never back.
   */
  stop(reason: EndReason = 'candidate', killAt = performance.now() + this.options.limits.stopGraceMs): Promise<void> {
    // A start that already failed is being killed; its end is on its way.
    if (this.gone || this.failure) return this.done;
    if (!this.stopReason) {
      this.stopReason = reason;
      this.clear('idle', 'idleWarning', 'duration');
      if (this.child?.connected) this.child.send({ type: 'stop', reason } satisfies ParentMessage, undefined, {}, () => undefined);
    }
    this.armKill(killAt);
    return this.done;
  }

  /** SIGKILL now; the end is still reported through the usual path. */
  kill(): void {
    if (!this.gone) this.child?.kill('SIGKILL');
  }

  private onMessage(raw: unknown): void {
    if (this.gone || typeof raw !== 'object' || raw === null || typeof (raw as { type?: unknown }).type !== 'string') return;
    let message = raw as ChildMessage;
    if (message.type === 'error') message = { ...message, message: this.options.redact(String(message.message)) };
    if (!this.live) return this.beforeReady(message);
    switch (message.type) {
      case 'ready':
        return;
      case 'item':
        if (message.item.role === 'user') this.armIdle();
        break;
      case 'error':
        this.lastError = message;
        break;
      // The candidate cannot answer an interviewer that is not there: no idle end while a provider is failing.
      case 'paused':
        this.providerPaused = true;
        this.clear('idle', 'idleWarning');
        break;
      case 'resumed':
        this.providerPaused = false;
        this.armIdle();
        break;
      case 'ended':
        this.childEndReason = message.reason;
        this.clear('idle', 'idleWarning', 'duration');
        this.armKill(performance.now() + this.options.limits.stopGraceMs);
        break;
    }
    this.deliver(message);
  }

  private beforeReady(message: ChildMessage): void {
    if (this.failure) return;
    switch (message.type) {
      case 'ready':
        return this.becameReady(message.ms);
      case 'error':
        // An error before `ready` is always followed by `ended`: the start has failed.
        this.lastError = message;
        return this.failStart(message.message, 'error', message.provider);
      case 'ended':
        return this.failStart(this.lastError?.message ?? COULD_NOT_START, 'error');
      default:
        this.early.push(message);
    }
  }

  private becameReady(childMs: number): void {
    this.live = true;
    this.readyMs = Math.round(performance.now() - this.forkedAt);
    this.clear('ready');
    this.log.info({ ms: this.readyMs, childMs }, 'interview child ready');
    const { maxDurationMs } = this.options.limits;
    this.timers.duration = setTimeout(() => void this.stop('timeout'), maxDurationMs);
    this.armIdle();
    this.settleStart.resolve();
    for (const message of this.early.splice(0)) this.deliver(message);
  }

  private failStart(reason: string, kind: StartFailure, provider?: FailedProvider): void {
    if (this.failure || this.live) return;
    this.failure = { reason, kind, provider };
    this.clear('ready');
    this.kill();
  }

  private onGone(code: number | null, signal: NodeJS.Signals | null): void {
    if (this.gone) return;
    this.gone = true;
    this.clear('ready', 'idle', 'idleWarning', 'duration', 'kill');
    this.options.onExit();
    const durationMs = Math.round(performance.now() - this.forkedAt);
    this.markExited();

    let end: InterviewEnd;
    let startError: HttpError | undefined;
    if (this.live) {
      // An exit without `ended` is a crash (or a kill) unless we had asked it to stop.
      const reason = this.childEndReason ?? this.stopReason ?? 'error';
      this.log.info({ reason, durationMs, exitCode: code, signal }, 'interview child ended');
      end = { interviewId: this.interviewId, reason, durationMs, ready: true, ...(this.lastError ? { error: this.lastError.message } : {}) };
    } else {
      // Stopped while starting (shutdown, or the candidate ended it) wins over the failure it caused.
      const reason = this.stopReason ?? 'error';
      const failure: FailedStart =
        this.stopReason === 'shutdown'
          ? { reason: SHUTTING_DOWN, kind: 'exit' }
          : this.stopReason
            ? { reason: ENDED_BEFORE_READY, kind: 'exit' }
            : (this.failure ?? { reason: COULD_NOT_START, kind: 'exit' });
      this.log.warn({ reason: failure.reason, failure: failure.kind, endedBy: reason, durationMs, exitCode: code, signal }, 'interview child failed to start');
      startError = reason === 'shutdown' ? poolClosed() : agentDidNotStart(failure.reason, failure.provider);
      end = { interviewId: this.interviewId, reason, durationMs, ready: false, ...(reason === 'error' ? { error: failure.reason } : {}) };
    }

    const { onEnd } = this.options;
    this.deliveries = this.deliveries.then(async () => {
      try {
        await onEnd?.(end);
      } catch (error) {
        this.log.error({ err: error }, 'interview end handler failed');
      }
      this.markEnded(end);
      if (startError) this.settleStart.reject(startError);
    });
  }

  private deliver(message: LiveMessage): void {
    const { onMessage } = this.options;
    if (!onMessage) return;
    this.deliveries = this.deliveries.then(async () => {
      try {
        await onMessage(message);
      } catch (error) {
        this.log.error({ err: error, messageType: message.type }, 'interview message handler failed');
      }
    });
  }

  private armIdle(): void {
    const { idleMs } = this.options.limits;
    this.clear('idle', 'idleWarning');
    if (idleMs <= 0 || this.stopReason || this.childEndReason || this.providerPaused) return;
    this.timers.idle = setTimeout(() => void this.stop('idle'), idleMs);
    const { onIdleSoon } = this.options;
    const warnMs = idleWarningMs(idleMs);
    if (onIdleSoon) this.timers.idleWarning = setTimeout(() => onIdleSoon(Date.now() + warnMs), idleMs - warnMs);
  }

  private armKill(at: number): void {
    if (this.gone || (this.timers.kill && this.killAt <= at)) return;
    this.clear('kill');
    this.killAt = at;
    this.timers.kill = setTimeout(() => {
      this.log.warn({ pid: this.pid }, 'interview child did not exit in time; killing it');
      this.kill();
    }, Math.max(0, at - performance.now()));
  }

  private clear(...names: TimerName[]): void {
    for (const name of names) {
      clearTimeout(this.timers[name]);
      delete this.timers[name];
    }
  }
}
