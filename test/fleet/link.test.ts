// The link between server processes on real PostgreSQL: what one sends, every listener hears, in
// the order it was sent, short or long; a listener that loses its connection comes back, says so
// (so its event streams end and browsers reconnect to the record), and hears what is sent after.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../server/db/database.ts';
import { migrate } from '../../server/db/migrate.ts';
import { openPostgres } from '../../server/db/postgres.ts';
import { openLink, type Link } from '../../server/fleet/index.ts';
import { createThrowawayDatabase } from '../helpers/databases.ts';
import { captureLogs } from '../helpers/logs.ts';
import { waitFor } from '../helpers/wait.ts';

const HAS_POSTGRES = Boolean(process.env.TEST_DATABASE_URL);
if (!HAS_POSTGRES) console.warn('Link tests skipped: LISTEN/NOTIFY needs PostgreSQL (TEST_DATABASE_URL; .ci/run sets it).');

describe.skipIf(!HAS_POSTGRES)('the link between server processes', () => {
  let database: Awaited<ReturnType<typeof createThrowawayDatabase>>;
  let db: Database;
  const links: Link[] = [];
  let reconnects = 0;
  const open = async () => {
    const link = await openLink({ url: database.url, db, logger: captureLogs().logger, onReconnect: () => reconnects++ });
    links.push(link);
    return link;
  };

  beforeAll(async () => {
    database = await createThrowawayDatabase();
    db = await openPostgres(database.url, 4);
    await migrate(db);
  });
  afterAll(async () => {
    for (const link of links) await link.close();
    await db?.close();
    await database?.drop();
  });

  it('delivers every message to every listener, in order, the long ones through the database', async () => {
    const [sender, first, second] = [await open(), await open(), await open()];
    const heard: Record<string, unknown[]> = { first: [], second: [] };
    await first.listen('mockflow_test', (body) => void heard.first!.push(body));
    await second.listen('mockflow_test', (body) => void heard.second!.push(body));
    const long = { text: '分区'.repeat(2_000) }; // 12,000 bytes: more than a notification carries
    const sent = [{ n: 1 }, long, { n: 3 }, { n: 4, text: 'ünïcødé' }];
    await Promise.all(sent.map((body) => sender.post('mockflow_test', body)));
    await waitFor(() => heard.first!.length === 4 && heard.second!.length === 4, { explain: 'both listeners to hear all four' });
    expect(heard.first).toEqual(sent);
    expect(heard.second).toEqual(sent);
    expect((await db.query('select 1 from public.mockflow_messages')).rowCount).toBe(1);
  });

  it('comes back after losing its connection, says so, and hears what is sent afterwards', async () => {
    const [sender, listener] = [await open(), await open()];
    const heard: unknown[] = [];
    await listener.listen('mockflow_again', (body) => void heard.push(body));
    await sender.post('mockflow_again', { before: true });
    await waitFor(() => heard.length === 1, { explain: 'the first message' });

    const before = reconnects;
    await db.query(`select pg_terminate_backend(pid) from pg_stat_activity where application_name = 'mockflow-link' and query ilike 'listen%mockflow_again%'`);
    await waitFor(() => reconnects > before, { timeoutMs: 20_000, explain: 'the listener to reconnect' });
    await sender.post('mockflow_again', { after: true });
    await waitFor(() => heard.length === 2, { explain: 'the message sent after the reconnect' });
    expect(heard).toEqual([{ before: true }, { after: true }]);
  });
});
