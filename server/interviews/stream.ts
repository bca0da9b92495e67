import type { Request, Response } from 'express';
import type { InterviewEvent, InterviewEvents } from './events.ts';
import type { PresentedInterview } from './presenter.ts';

export interface EventSourceOptions {
  interviewId: string;
  /** Whose stream it is: each user holds at most MAX_STREAMS_PER_USER at once. */
  userId: string;
  /** The interview as stored; throws (before anything is sent) when it is not the caller's. */
  load(): Promise<{ interview: PresentedInterview; live: boolean }>;
  events: InterviewEvents;
  heartbeatMs: number;
}

/**
 * Server-sent events for one interview. A reconnecting browser sends Last-Event-ID and gets
 * what it missed from memory. Any other stream starts with a `snapshot` of the record (and
 * `ended` when the interview is over); a reconnect that memory could not serve then closes,
 * since an ended interview has nothing more to say to a page still waiting on it.
 */
export async function streamEvents(req: Request, res: Response, options: EventSourceOptions): Promise<void> {
  const { interviewId, events } = options;
  const lastEventId = req.get('last-event-id') || (typeof req.query.lastEventId === 'string' ? req.query.lastEventId : '');
  const release = events.claimStream(options.userId);
  // Following starts before the read, so an event published while it runs is buffered, not lost.
  const follower = events.follow(interviewId);
  let loaded: Awaited<ReturnType<EventSourceOptions['load']>>;
  try {
    loaded = await options.load();
  } catch (err) {
    follower.close();
    release();
    throw err;
  }
  if (!res.socket || res.socket.destroyed) {
    follower.close();
    release();
    return;
  }

  res.writeHead(200, {
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-store',
    Connection: 'keep-alive',
    'X-Accel-Buffering': 'no',
  });
  res.write('retry: 2000\n\n');
  const send = deduplicated(res, events);

  // Nothing below awaits until the follower delivers live: memory, snapshot and buffer agree.
  const missed = lastEventId ? events.since(interviewId, lastEventId) : undefined;
  if (missed) {
    for (const event of missed) send.event(event);
    follower.start(send.event); // what it buffered is in `missed` already
  } else {
    const { interview, live } = loaded;
    send.snapshot(follower.position, interview);
    for (const event of follower.start(send.event)) send.event(event);
    if (!live) {
      send.ended(interview);
      events.keepFrom(interviewId, follower.position);
      if (lastEventId) {
        follower.close();
        release();
        res.end();
        return;
      }
    }
  }

  const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), options.heartbeatMs);
  heartbeat.unref();
  const untrack = events.trackStream(() => res.end());
  const close = () => {
    clearInterval(heartbeat);
    follower.close();
    untrack();
    release();
  };
  req.on('close', close);
  res.on('close', close);
}

/**
 * Writes each item, stage and `ended` once per stream: an item saved before the snapshot was
 * read may be published after it. A repeat is sent as its id alone, which moves the browser's
 * Last-Event-ID on without dispatching anything.
 */
function deduplicated(res: Response, events: InterviewEvents) {
  const write = (id: string | null, type?: string, data?: unknown) =>
    res.write((id === null ? '' : `id: ${id}\n`) + (type === undefined ? '\n' : `event: ${type}\ndata: ${JSON.stringify(data)}\n\n`));
  const sent = new Set<string>();
  let ended = false;
  /** What makes an event a repeat; null for events that cannot repeat the snapshot. */
  const keyOf = (event: { type: string; data: unknown }): string | null => {
    const data = event.data as { id?: unknown; stage?: unknown; at?: unknown };
    if (event.type === 'item') return `item ${String(data.id)}`;
    if (event.type === 'stage') return `stage ${String(data.stage)}@${String(data.at)}`;
    return null;
  };
  const firstTime = (event: InterviewEvent): boolean => {
    if (event.type === 'ended') return ended ? false : (ended = true);
    const key = keyOf(event);
    if (key === null) return true;
    if (sent.has(key)) return false;
    sent.add(key);
    return true;
  };
  return {
    event(event: InterviewEvent) {
      const id = events.eventId(event.id);
      if (firstTime(event)) write(id, event.type, event.data);
      else write(id);
    },
    snapshot(position: number, interview: PresentedInterview) {
      for (const data of interview.items) sent.add(keyOf({ type: 'item', data })!);
      for (const data of interview.stages) sent.add(keyOf({ type: 'stage', data })!);
      write(events.eventId(position), 'snapshot', interview);
    },
    /** The end as the snapshot shows it, unless a published `ended` was already sent. */
    ended(interview: PresentedInterview) {
      if (ended) return;
      ended = true;
      write(null, 'ended', { reason: interview.endedBy, error: interview.error, interview });
    },
  };
}
