// Reads a server-sent event stream the way a browser's EventSource does, for assertions.

export interface SseEvent {
  id?: string;
  event: string;
  data: any;
}

export interface WaitOptions {
  /**
   * Only events received after this point: an event already received, or a `cursor()` taken
   * earlier. Without it, the first match ever received (already there or still to come).
   */
  after?: SseEvent | number;
  timeoutMs?: number;
}

export interface SseStream {
  events: SseEvent[];
  /** A point in the stream: the number of events received so far. */
  cursor(): number;
  /** Resolves with the first matching event after `options.after` (already received or still to come). */
  next(match: (e: SseEvent) => boolean, options?: WaitOptions): Promise<SseEvent>;
  close(): void;
}

export async function openEvents(url: string, headers: Record<string, string>): Promise<SseStream> {
  const controller = new AbortController();
  const res = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: controller.signal });
  if (res.status !== 200) throw new Error(`event stream answered ${res.status}: ${await res.text()}`);
  const events: SseEvent[] = [];
  const waiters = new Set<() => void>();
  void (async () => {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let cut: number;
        while ((cut = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          const event: SseEvent = { event: 'message', data: undefined };
          const data: string[] = [];
          for (const line of block.split('\n')) {
            if (line.startsWith('id: ')) event.id = line.slice(4);
            else if (line.startsWith('event: ')) event.event = line.slice(7);
            else if (line.startsWith('data: ')) data.push(line.slice(6));
          }
          if (data.length === 0) continue;
          event.data = JSON.parse(data.join('\n'));
          events.push(event);
          for (const wake of waiters) wake();
        }
      }
    } catch {
      // aborted
    }
  })();
  return {
    events,
    cursor: () => events.length,
    next(match, { after = 0, timeoutMs = 20_000 } = {}) {
      const from = typeof after === 'number' ? after : events.indexOf(after) + 1;
      if (from === 0 && typeof after !== 'number') return Promise.reject(new Error('`after` is not an event of this stream'));
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = events.slice(from).find(match);
          if (!found) return false;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(found);
          return true;
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no matching event after #${from} within ${timeoutMs} ms; got: ${events.map((e) => e.event).join(', ')}`));
        }, timeoutMs);
        if (!check()) waiters.add(check);
      });
    },
    close: () => controller.abort(),
  };
}
