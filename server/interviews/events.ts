import { EventEmitter } from 'node:events';

export interface InterviewEvent {
  id: number;
  type: 'item' | 'stage' | 'status' | 'ended' | 'error' | 'feedback';
  data: unknown;
}

const KEEP_AFTER_END_MS = 10 * 60_000;
const MAX_BUFFERED = 2_000;

/**
 * Live events per interview, numbered so a reconnecting browser (Last-Event-ID) gets what it
 * missed. Kept in memory while the interview runs and a while after; the database holds the
 * full record for anything older.
 */
export class InterviewEvents {
  private readonly logs = new Map<string, { events: InterviewEvent[]; next: number; timer?: NodeJS.Timeout }>();
  private readonly emitter = new EventEmitter();
  private readonly streams = new Set<() => void>();

  constructor() {
    this.emitter.setMaxListeners(0);
  }

  publish(interviewId: string, type: InterviewEvent['type'], data: unknown): InterviewEvent {
    let log = this.logs.get(interviewId);
    if (!log) {
      log = { events: [], next: 1 };
      this.logs.set(interviewId, log);
    }
    const event = { id: log.next++, type, data };
    log.events.push(event);
    if (log.events.length > MAX_BUFFERED) log.events.shift();
    this.emitter.emit(interviewId, event);
    return event;
  }

  /** Events after `lastId` still in memory. */
  since(interviewId: string, lastId: number): InterviewEvent[] {
    return (this.logs.get(interviewId)?.events ?? []).filter((e) => e.id > lastId);
  }

  /** The id of the newest event, 0 when there is none in memory. */
  latestId(interviewId: string): number {
    const log = this.logs.get(interviewId);
    return log ? log.next - 1 : 0;
  }

  subscribe(interviewId: string, listener: (event: InterviewEvent) => void): () => void {
    this.emitter.on(interviewId, listener);
    return () => this.emitter.off(interviewId, listener);
  }

  /** Forgets an interview's events a while after it ended (late reconnects still catch up). */
  expire(interviewId: string, afterMs = KEEP_AFTER_END_MS): void {
    const log = this.logs.get(interviewId);
    if (!log) return;
    clearTimeout(log.timer);
    log.timer = setTimeout(() => this.logs.delete(interviewId), afterMs);
    log.timer.unref();
  }

  /** Registers an open event stream so a shutdown can end it; returns the unregister function. */
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
    clearTimeout(this.logs.get(interviewId)?.timer);
    this.logs.delete(interviewId);
  }
}
