// The interview's event stream (GET /api/interviews/:id/events), its events typed by shared/api.ts.
import type { InterviewEventData } from '../shared/api.ts';
import { interviewPath, parseJson } from './api.ts';

export type StreamHandlers = { [T in keyof InterviewEventData]?: (data: InterviewEventData[T]) => void } & {
  /** Connected, or connected again. */
  open?: () => void;
  /** The connection dropped (EventSource's own `error`, which carries no data): it reconnects unless closed. */
  drop?: (source: EventSource) => void;
};

/** Opens the stream and hands each event's data to its handler; a body that is not JSON is dropped. */
export function openEventStream(interviewId: string, handlers: StreamHandlers): EventSource {
  const source = new EventSource(interviewPath(interviewId, '/events'));
  const { open, drop, ...events } = handlers;
  if (open) source.addEventListener('open', open);
  if (drop && !events.error) source.addEventListener('error', () => drop(source));
  for (const [type, handler] of Object.entries(events) as [string, (data: unknown) => void][]) {
    source.addEventListener(type, (event) => {
      const body = (event as MessageEvent<string | undefined>).data;
      if (type === 'error' && !body) return drop?.(source);
      const data = parseJson(body ?? '');
      if (data !== null) handler(data);
    });
  }
  return source;
}
