// Messages between server processes on one PostgreSQL: NOTIFY to send, LISTEN on a connection
// of its own to hear. A notification carries at most 8000 bytes, so a longer body is written to
// public.mockflow_messages and the notification names its row. Messages are handed to their
// handlers one at a time, in the order they arrived.
import pg from 'pg';
import type { Database } from '../db/database.ts';
import type { Logger } from '../logger.ts';

export interface Link {
  post(channel: string, body: unknown): Promise<void>;
  /** Hears every later message on the channel (each handler of a channel, in the order they were added). */
  listen(channel: string, handler: (body: unknown) => void | Promise<void>): Promise<void>;
  close(): Promise<void>;
}

export interface LinkOptions {
  url: string;
  db: Database;
  logger: Logger;
  /**
   * The listening connection was lost and is back: whatever was sent meanwhile was missed
   * (event streams are ended, so browsers reconnect and read the record).
   */
  onReconnect?: () => void;
}

/** Below PostgreSQL's 8000-byte payload limit, with room for the channel name. */
const INLINE_BYTES = 7_800;
const REF = '#';
/** Long messages are read within moments; kept a while for a listener that is slow. */
const KEEP_MESSAGES = '5 minutes';
const RECONNECT_MS = 1_000;

export async function openLink({ url, db, logger, onReconnect }: LinkOptions): Promise<Link> {
  const handlers = new Map<string, ((body: unknown) => void | Promise<void>)[]>();
  let client: pg.Client | undefined;
  let closed = false;
  let delivering: Promise<void> = Promise.resolve();
  // One after the other, so what this process sends is heard in the order it was sent.
  let posting: Promise<void> = Promise.resolve();

  const deliver = async (channel: string, payload: string) => {
    const listeners = handlers.get(channel) ?? [];
    if (listeners.length === 0) return;
    try {
      const body = payload.startsWith(REF)
        ? (await db.query<{ body: unknown }>('select body from public.mockflow_messages where id = $1', [payload.slice(REF.length)])).rows[0]?.body
        : JSON.parse(payload);
      if (body !== undefined) for (const handler of listeners) await handler(body);
    } catch (err) {
      logger.error({ err, channel }, 'could not handle a message from another server process');
    }
  };

  const connect = async (): Promise<void> => {
    const next = new pg.Client({ connectionString: url, application_name: 'mockflow-link' });
    next.on('notification', ({ channel, payload }) => {
      delivering = delivering.then(() => deliver(channel, payload ?? 'null'));
    });
    next.on('error', (err) => logger.warn({ err }, 'lost the connection that hears other server processes'));
    next.on('end', () => {
      if (closed || client !== next) return;
      client = undefined;
      setTimeout(reconnect, RECONNECT_MS).unref();
    });
    await next.connect();
    for (const channel of handlers.keys()) await next.query(`LISTEN ${next.escapeIdentifier(channel)}`);
    client = next;
  };

  const reconnect = () => {
    if (closed) return;
    connect().then(
      () => {
        logger.info('hearing other server processes again');
        onReconnect?.();
      },
      (err: unknown) => {
        logger.warn({ err }, 'could not reconnect to hear other server processes; trying again');
        setTimeout(reconnect, RECONNECT_MS).unref();
      },
    );
  };

  await connect();
  const sweep = setInterval(() => {
    db.query(`delete from public.mockflow_messages where created_at < now() - interval '${KEEP_MESSAGES}'`).catch(() => {});
  }, 60_000);
  sweep.unref();

  return {
    post(channel, body) {
      const payload = JSON.stringify(body);
      const send = async () => {
        if (Buffer.byteLength(payload) <= INLINE_BYTES) {
          await db.query('select pg_notify($1, $2)', [channel, payload]);
        } else {
          await db.query(
            `with m as (insert into public.mockflow_messages (body) values ($2::jsonb) returning id)
             select pg_notify($1, $3 || m.id) from m`,
            [channel, payload, REF],
          );
        }
      };
      const sent = posting.then(send);
      posting = sent.catch(() => {});
      return sent;
    },
    async listen(channel, handler) {
      const listeners = handlers.get(channel);
      if (listeners) return void listeners.push(handler);
      handlers.set(channel, [handler]);
      if (client) await client.query(`LISTEN ${client.escapeIdentifier(channel)}`);
    },
    async close() {
      closed = true;
      clearInterval(sweep);
      const last = client;
      client = undefined;
      await last?.end().catch(() => {});
      await delivering;
    },
  };
}
