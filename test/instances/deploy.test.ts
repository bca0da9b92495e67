// A deploy as Render does it, on real PostgreSQL: a new server process starts beside the old one,
// then the old one gets SIGTERM. The old one's live interview is not ended by the newcomer, and
// carries on through the shutdown delay to its own end; a process killed outright has its live
// interview ended as an error by the one still running, once its lease has run out.
import pg from 'pg';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createThrowawayDatabase } from '../helpers/databases.ts';
import { TEST_ENCRYPTION_KEY, TEST_SECRET_KEY } from '../helpers/app.ts';
import { spawnServer, type ServerProcess } from '../helpers/processes.ts';
import { signInLocally, type SignedIn } from '../helpers/session.ts';
import { openEvents } from '../helpers/sse.ts';
import { waitFor } from '../helpers/wait.ts';
import { saveTextKeys, START_TEXT, startInterviewModel } from '../interviews/helpers.ts';
import type { FakeOpenAI } from '../fakes/openai-llm.ts';

const HAS_POSTGRES = Boolean(process.env.TEST_DATABASE_URL);
if (!HAS_POSTGRES) console.warn('Deploy tests skipped: they need two server processes on one PostgreSQL (TEST_DATABASE_URL; .ci/run sets it).');

describe.skipIf(!HAS_POSTGRES)('deploys and crashes with two server processes on one PostgreSQL', () => {
  let database: Awaited<ReturnType<typeof createThrowawayDatabase>>;
  let llm: FakeOpenAI;
  const servers: ServerProcess[] = [];

  const start = async (extra: Record<string, string> = {}) => {
    const server = await spawnServer(
      {
        NODE_ENV: 'development',
        DATABASE_URL: database.url,
        ENCRYPTION_KEY: TEST_ENCRYPTION_KEY,
        SECRET_KEY: TEST_SECRET_KEY,
        AGENT_WARM_SPARE: 'false',
        INSTANCE_LEASE_SECONDS: '2',
        ...extra,
      },
      60_000,
      true, // the production build, as Render runs it
    );
    servers.push(server);
    return server;
  };
  let pool: pg.Pool;
  const status = async (id: string) =>
    (await pool.query<{ status: string; ended_by: string | null }>('select status, ended_by from public.interviews where id = $1', [id])).rows[0]!;

  beforeAll(async () => {
    database = await createThrowawayDatabase();
    llm = await startInterviewModel();
    pool = new pg.Pool({ connectionString: database.url, max: 1 });
  });
  afterAll(async () => {
    for (const server of servers) if (server.child.exitCode === null) server.child.kill('SIGKILL');
    await Promise.all(servers.map((s) => s.exited));
    await pool?.end();
    await llm?.close();
    await database?.drop();
  });

  async function liveInterview(server: ServerProcess): Promise<SignedIn & { id: string }> {
    const user = await signInLocally(request.agent(server.url));
    await saveTextKeys(user, llm.url);
    const started = await user.agent.post('/api/interviews').set('x-csrf-token', user.token).send(START_TEXT);
    if (started.status !== 201) throw new Error(`start answered ${started.status}: ${started.text}\n${server.output().slice(-3000)}`);
    return { ...user, id: started.body.id };
  }

  it('a new process leaves the old one’s interview live; on SIGTERM the old one lets it run to its end, refusing new starts', async () => {
    const old = await start({ SHUTDOWN_DRAIN_SECONDS: '120' });
    const interview = await liveInterview(old);
    const next = await start();
    expect(await status(interview.id)).toEqual({ status: 'live', ended_by: null });
    // Either process's /health sees both, and the slot the old one's interview takes (as of the
    // old one's latest renewal, a third of a lease at most after the start).
    await waitFor(async () => {
      const health = await (await fetch(`${next.url}/health`)).json();
      return health.fleet?.slotsUsed === 1 && health.fleet;
    }, { explain: 'the fleet in /health' }).then((fleet) => expect(fleet).toEqual({ instances: 2, slotsUsed: 1, slotsFree: 5 }));
    const stream = await openEvents(`${old.url}/api/interviews/${interview.id}/events`, { cookie: interview.cookie });

    const sent = Date.now();
    old.child.kill('SIGTERM');
    // The candidate is told the interview goes on, and until when at the latest.
    const notice = await stream.next((e) => e.event === 'server_stopping');
    expect(notice.data.endsAt).toBeGreaterThanOrEqual(sent + 120_000);
    expect(notice.data.endsAt).toBeLessThan(Date.now() + 120_000 + 1_000);
    // Still serving its candidate: a turn goes through and is answered.
    const turn = await interview.agent.post(`/api/interviews/${interview.id}/messages`).set('x-csrf-token', interview.token).send({ text: 'I led the migration.' });
    expect(turn.status).toBe(202);
    await waitFor(
      async () => {
        const items: { role: string; text: string }[] = (await interview.agent.get(`/api/interviews/${interview.id}`)).body.items ?? [];
        const said = items.findIndex((i) => i.role === 'user' && i.text === 'I led the migration.');
        return said >= 0 && items.slice(said + 1).some((i) => i.role === 'assistant');
      },
      { explain: 'the reply to a turn sent during the shutdown delay' },
    );
    // No new interview lands on a process that is going away: the load balancer is told so.
    const ready = await fetch(`${old.url}/ready`);
    expect([ready.status, await ready.json()]).toEqual([503, { status: 'shutting_down' }]);

    const ended = await interview.agent.post(`/api/interviews/${interview.id}/end`).set('x-csrf-token', interview.token);
    expect(ended.status).toBeLessThan(300);
    expect(await old.exited).toBe(0);
    stream.close();
    expect(await status(interview.id)).toEqual({ status: 'ended', ended_by: 'candidate' });
  }, 120_000);

  it('ends the live interview of a process killed outright as an error, once its lease has run out', async () => {
    const doomed = await start();
    const interview = await liveInterview(doomed);
    doomed.child.kill('SIGKILL');
    await doomed.exited;
    // Whichever process still runs (the new one from the test above, or one started now) renews its lease and sweeps.
    if (!servers.some((s) => s.child.exitCode === null && s.child.signalCode === null)) await start();
    await waitFor(async () => (await status(interview.id)).status === 'ended', { timeoutMs: 30_000, explain: 'the killed process’s interview to be ended' });
    expect(await status(interview.id)).toEqual({ status: 'ended', ended_by: 'error' });
  }, 120_000);
});
