import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { InterviewEventData, InterviewEventType } from '../../shared/api.ts';
import { tooManyStreams } from '../http/errors.ts';

/** One published event; its data is typed by shared/api.ts, which the browser reads it with. */
export type InterviewEvent = {
  [T in InterviewEventType]: {
    /** Increases across every interview in this process; see `eventId` for what a browser sees. */
    id: number;
    type: T;
    data: InterviewEventData[T];
  };
}[InterviewEventType];

/** Events of one interview published from now on, held until the stream is ready for them. */
export interface Follower {
  /** The newest event id (any interview) when following began: everything later is buffered. */
  readonly position: number;
  /** Returns what was buffered and hands every later event straight to `listener`. */
  start(listener: (event: InterviewEvent) => void): InterviewEvent[];
  close(): void;
}

const KEEP_AFTER_END_MS = 10 * 60_000;
/** Past INTERVIEW_MAX_MINUTES' largest value (240) and the idle limit. */
const KEEP_UNENDED_MS = 5 * 60 * 60_000;
/** Open event streams per user: a few tabs and reconnects, not a way to hold the server's sockets. */
export const MAX_STREAMS_PER_USER = 8;
const MAX_BUFFERED = 2_000;

interface Log {
  events: InterviewEvent[];
  /** Every event of the interview after this id is in `events`. */
  floor: number;
  timer?: NodeJS.Timeout;
}

/**
 * Live events per interview, numbered so a reconnecting browser (Last-Event-ID) gets what it
 * missed. Kept in memory while the interview runs and a while after; the database holds the
 * full record for anything older.
 */
export class InterviewEvents {
  /** Ids handed out by an earlier process (before a restart) never match this one's. */
  private readonly epoch = randomBytes(6).toString('base64url');
  private lastId = 0;
  private readonly logs = new Map<string, Log>();
  private readonly emitter = new EventEmitter();
  private readonly streamsPerUser = new Map<string, number>();
  private readonly streams = new Set<() => void>();
  /** Live interviews paused by a failing provider, for a page that opens (or reloads) meanwhile. */
  private readonly pauses = new Map<string, InterviewEventData['paused']>();

  constructor() {
    this.emitter.setMaxListeners(0);
  }

  publish<T extends InterviewEventType>(interviewId: string, type: T, data: InterviewEventData[T]): InterviewEvent {
    let log = this.logs.get(interviewId);
    if (!log) {
      log = { events: [], floor: this.lastId };
      this.logs.set(interviewId, log);
      // Feedback comes after the end, perhaps after the log was forgotten: forget it again. Any
      // other log goes after the longest interview at the latest, in case its end is never heard
      // (a start that failed on a runner, a web instance that lost the link for a while).
      this.expire(interviewId, type === 'feedback' ? KEEP_AFTER_END_MS : KEEP_UNENDED_MS);
    }
    const event = { id: ++this.lastId, type, data } as InterviewEvent;
    log.events.push(event);
    if (log.events.length > MAX_BUFFERED) log.floor = log.events.shift()!.id;
    if (event.type === 'paused') this.pauses.set(interviewId, event.data);
    else if (event.type === 'resumed' || event.type === 'ended') this.pauses.delete(interviewId);
    this.emitter.emit(interviewId, event);
    if (event.type === 'ended') this.expire(interviewId);
    return event;
  }

  /** What is failing in a live interview that is waiting for a provider, as its events said. */
  pauseOf(interviewId: string): InterviewEventData['paused'] | undefined {
    return this.pauses.get(interviewId);
  }

  /** The Last-Event-ID form of an event id. */
  eventId(id: number): string {
    return `${this.epoch}.${id}`;
  }

  /**
   * Events after `lastEventId`, or undefined when memory cannot tell what came after it: an id
   * from another process, older than what is kept, or for an interview no longer kept.
   */
  since(interviewId: string, lastEventId: string): InterviewEvent[] | undefined {
    const match = /^(.+)\.(\d+)$/.exec(lastEventId);
    const log = this.logs.get(interviewId);
    if (!match || match[1] !== this.epoch || !log) return undefined;
    const last = Number(match[2]);
    if (last < log.floor || last > this.lastId) return undefined;
    return log.events.filter((e) => e.id > last);
  }

  /** Starts buffering an interview's events; nothing published after `position` escapes it. */
  follow(interviewId: string): Follower {
    const buffered: InterviewEvent[] = [];
    let deliver: ((event: InterviewEvent) => void) | undefined;
    const listener = (event: InterviewEvent) => (deliver ? deliver(event) : buffered.push(event));
    this.emitter.on(interviewId, listener);
    return {
      position: this.lastId,
      start(next) {
        deliver = next;
        return buffered.splice(0);
      },
      close: () => this.emitter.off(interviewId, listener),
    };
  }

  /**
   * Remembers, for the retention period, that nothing of an ended interview was published after
   * `position`, so a browser that reconnects from there is answered from memory instead of
   * being sent the whole interview again.
   */
  keepFrom(interviewId: string, position: number): void {
    if (this.logs.has(interviewId)) return;
    this.logs.set(interviewId, { events: [], floor: position });
    this.expire(interviewId);
  }

  /** Forgets an interview's events a while after it ended (late reconnects still catch up). */
  expire(interviewId: string, afterMs = KEEP_AFTER_END_MS): void {
    const log = this.logs.get(interviewId);
    if (!log) return;
    clearTimeout(log.timer);
    log.timer = setTimeout(() => {
      this.logs.delete(interviewId);
      this.pauses.delete(interviewId);
    }, afterMs);
    log.timer.unref();
  }

  /** Registers an open event stream so a shutdown can end it; returns the unregister function. */
  /**
   * Holds one of the user's event streams until the returned release (safe to call twice) is
   * called; beyond MAX_STREAMS_PER_USER throws a 429 that says what to do.
   */
  claimStream(userId: string): () => void {
    const open = this.streamsPerUser.get(userId) ?? 0;
    if (open >= MAX_STREAMS_PER_USER) {
      throw tooManyStreams(
        MAX_STREAMS_PER_USER,
        `You have ${MAX_STREAMS_PER_USER} live views of interviews open already. Close other MockFlow tabs, then reload this page.`,
      );
    }
    this.streamsPerUser.set(userId, open + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.streamsPerUser.get(userId) ?? 1) - 1;
      if (left > 0) this.streamsPerUser.set(userId, left);
      else this.streamsPerUser.delete(userId);
    };
  }

  trackStream(end: () => void): () => void {
    this.streams.add(end);
    return () => this.streams.delete(end);
  }

  /** Ends every open event stream (shutdown: browsers reconnect to the next instance). */
  closeStreams(): void {
    for (const end of [...this.streams]) end();
    this.streams.clear();
  }

  forget(interviewId: string): void {
    this.pauses.delete(interviewId);
    clearTimeout(this.logs.get(interviewId)?.timer);
    this.logs.delete(interviewId);
  }
}
