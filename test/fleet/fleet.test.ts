// Past one machine, on real PostgreSQL: two web processes (MOCKFLOW_ROLE=web) and two runner
// processes (MOCKFLOW_ROLE=runner, one interview slot each). A start taken by either web instance
// runs on a runner; the candidate's turns, Skip and End reach it from either; both web instances'
// streams carry its events; capacity is the runners' slots together; a runner killed outright
// has its interview ended and its slots gone within a lease; one started later takes new starts.
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../server/db/database.ts';
import { openPostgres } from '../../server/db/postgres.ts';
import type { FakeOpenAI } from '../fakes/openai-llm.ts';
import { createThrowawayDatabase } from '../helpers/databases.ts';
import { spawnOnPostgres, type ServerProcess } from '../helpers/processes.ts';
import { signInAs, type SignedIn } from '../helpers/session.ts';
import { openEvents, type SseStream } from '../helpers/sse.ts';
import { waitFor } from '../helpers/wait.ts';
import { saveTextKeys, START_TEXT, startInterviewModel } from '../interviews/helpers.ts';

const HAS_POSTGRES = Boolean(process.env.TEST_DATABASE_URL);
if (!HAS_POSTGRES) console.warn('Fleet tests skipped: web and runner processes meet in one PostgreSQL (TEST_DATABASE_URL; .ci/run sets it).');

interface Instance extends ServerProcess {
  id: string;
}

describe.skipIf(!HAS_POSTGRES)('web instances and runners on one PostgreSQL', () => {
  let database: Awaited<ReturnType<typeof createThrowawayDatabase>>;
  let db: Database;
  let llm: FakeOpenAI;
  const processes: Instance[] = [];
  let webA: Instance;
  let webB: Instance;
  const runners: Instance[] = [];

  const spawn = async (role: 'web' | 'runner'): Promise<Instance> => {
    const server = await spawnOnPostgres(database.url, { MOCKFLOW_ROLE: role, MAX_CONCURRENT_WORKERS: '1' });
    const id = /"instance":"([0-9a-f-]{36})"/.exec(server.output())?.[1];
    if (!id) throw new Error(`no instance id in the ${role}'s log:\n${server.output()}`);
    const instance = { ...server, id };
    processes.push(instance);
    return instance;
  };

  beforeAll(async () => {
    database = await createThrowawayDatabase();
    llm = await startInterviewModel();
    // The first process migrates; the others start on the migrated database side by side.
    webA = await spawn('web');
    let started: Instance[];
    [webB, ...started] = await Promise.all([spawn('web'), spawn('runner'), spawn('runner')]);
    runners.push(...started);
    db = await openPostgres(database.url, 2);
  }, 180_000);
  afterAll(async () => {
    for (const p of processes) if (p.child.exitCode === null) p.child.kill('SIGTERM');
    await Promise.all(processes.map((p) => p.exited));
    await db?.close();
    await llm?.close();
    await database?.drop();
  }, 60_000);

  const candidate = async (name: string): Promise<SignedIn> => {
    const user = await signInAs({ db, server: webA.url }, name);
    await saveTextKeys(user, llm.url);
    return user;
  };
  /** The same browser (cookie, CSRF token) talking to another web instance. */
  const on = (web: Instance, user: SignedIn) => ({
    post: (path: string, body?: object) => request(web.url).post(path).set('cookie', user.cookie).set('x-csrf-token', user.token).send(body),
  });
  const start = (web: Instance, user: SignedIn) => on(web, user).post('/api/interviews', START_TEXT);
  const ownerOf = async (id: string) => (await db.query<{ instance_id: string }>('select instance_id from public.interviews where id = $1', [id])).rows[0]!.instance_id;
  const row = async (id: string) =>
    (await db.query<{ status: string; ended_by: string | null; conversation: { role: string; text: string }[] }>('select status, ended_by, conversation from public.interviews where id = $1', [id]))
      .rows[0]!;
  const fleetOn = async (web: Instance) => (await (await fetch(`${web.url}/health`)).json()).fleet;
  const end = (web: Instance, user: SignedIn, id: string) => on(web, user).post(`/api/interviews/${id}/end`);

  it('runs a start taken by web A on a runner; a turn, Skip and End posted to web B reach it, and both streams carry every event', async () => {
    const ada = await candidate('ada');
    // What the row does not keep reaches the runner through a brief it deletes on reading, not through the queue.
    const job = 'Own the interview fleet: queues on PostgreSQL, zero-downtime deploys.';
    const started = await on(webA, ada).post('/api/interviews', { ...START_TEXT, job_description: job });
    expect(started.status, started.text).toBe(201);
    const id: string = started.body.id;
    expect(runners.map((r) => r.id)).toContain(await ownerOf(id));
    expect((await db.query('select 1 from public.interview_briefs')).rowCount).toBe(0);
    expect((await db.query(`select 1 from pgboss.job where data::text like '%Own the interview fleet%'`)).rowCount).toBe(0);

    const streams: SseStream[] = await Promise.all([webA, webB].map((web) => openEvents(`${web.url}/api/interviews/${id}/events`, { cookie: ada.cookie })));
    const turn = await on(webB, ada).post(`/api/interviews/${id}/messages`, { text: 'I moved our queue to PostgreSQL.' });
    expect(turn.status, turn.text).toBe(202);
    for (const stream of streams) {
      const said = await stream.next((e) => e.event === 'item' && e.data.role === 'user' && e.data.text === 'I moved our queue to PostgreSQL.');
      await stream.next((e) => e.event === 'item' && e.data.role === 'assistant', { after: said });
    }

    // A browser whose stream to web A broke reconnects to web B: a snapshot of the record, then live, nothing repeated.
    const moved = await openEvents(`${webB.url}/api/interviews/${id}/events`, { cookie: ada.cookie, 'last-event-id': streams[0]!.events.at(-1)!.id! });
    const snapshot = await moved.next((e) => e.event === 'snapshot');
    expect(snapshot.data.items.filter((item: { text: string }) => item.text === 'I moved our queue to PostgreSQL.')).toHaveLength(1);
    streams.push(moved);

    // A long answer (9,000 bytes in 3,000 characters) does not fit in a notification: it travels through the database.
    const long = '按租户分区，然后按月分区。'.repeat(230);
    expect((await on(webA, ada).post(`/api/interviews/${id}/messages`, { text: long })).status).toBe(202);
    for (const stream of streams) await stream.next((e) => e.event === 'item' && e.data.role === 'user' && e.data.text === long);

    const skipped = await on(webB, ada).post(`/api/interviews/${id}/skip`, { stage: 'company_fit' });
    expect(skipped.status, skipped.text).toBe(202);
    for (const stream of streams) {
      const moved = await stream.next((e) => e.event === 'stage' && e.data.by === 'candidate' && e.data.stage === 'company_fit');
      await stream.next((e) => e.event === 'item' && e.data.role === 'assistant', { after: moved });
    }
    // The interviewer asks about the job description from here on: the runner had it.
    expect(llm.requests.some((r) => JSON.stringify(r.body?.messages ?? []).includes(job))).toBe(true);

    const ended = await end(webB, ada, id);
    expect([ended.status, ended.body.status, ended.body.endedBy]).toEqual([200, 'ended', 'candidate']);
    for (const stream of streams) expect((await stream.next((e) => e.event === 'ended')).data.reason).toBe('candidate');
    for (const stream of streams) stream.close();
    expect(moved.events.filter((e) => e.event === 'item' && e.data.text === 'I moved our queue to PostgreSQL.')).toEqual([]);
    expect(moved.events.filter((e) => e.event === 'item' && e.data.text === long)).toHaveLength(1);
    // Every line is in the record, once.
    const said = (await row(id)).conversation.filter((item) => item.role === 'user').map((item) => item.text);
    expect(said).toEqual(['I moved our queue to PostgreSQL.', long]);
  }, 120_000);

  it('answers a start the runner refuses with the runner’s reason, and leaves no interview behind', async () => {
    const user = await signInAs({ db, server: webB.url }, 'keyless');
    const refused = await start(webB, user);
    expect([refused.status, refused.body.error]).toEqual([412, 'precondition_failed']);
    expect(refused.body.message).toMatch(/^Add a language-model key in Settings → Keys/);
    expect((await db.query('select 1 from public.interviews where user_id = $1', [user.userId])).rowCount).toBe(0);
    expect((await db.query('select 1 from public.interview_briefs')).rowCount).toBe(0);
  }, 60_000);

  it('takes as many interviews as the runners have slots together (429 after), and a runner started later takes the next', async () => {
    const [grace, linus, barbara] = (await Promise.all(['grace', 'linus', 'barbara'].map(candidate))) as [SignedIn, SignedIn, SignedIn];
    const first = await start(webA, grace);
    const second = await start(webB, linus);
    expect([first.status, second.status], `${first.text} ${second.text}`).toEqual([201, 201]);
    // One on each runner: each has one slot.
    expect(new Set([await ownerOf(first.body.id), await ownerOf(second.body.id)])).toEqual(new Set(runners.map((r) => r.id)));

    const refused = await start(webA, barbara);
    expect(refused.status, refused.text).toBe(429);
    expect(refused.body.error).toBe('capacity');
    expect(refused.get('retry-after')).toBe('60');
    expect(await fleetOn(webB)).toMatchObject({ runners: 2, slotsUsed: 2, slotsFree: 0 });

    const later = await spawn('runner');
    runners.push(later);
    const third = await start(webB, barbara);
    expect(third.status, third.text).toBe(201);
    expect(await ownerOf(third.body.id)).toBe(later.id);

    for (const [user, started] of [[grace, first], [linus, second], [barbara, third]] as const) {
      expect((await end(webA, user, started.body.id)).status).toBe(200);
    }
  }, 180_000);

  it('ends the interview of a runner killed outright as an error, keeping what was said, and drops its slots within a lease', async () => {
    const alan = await candidate('alan');
    const started = await start(webA, alan);
    expect(started.status, started.text).toBe(201);
    const id: string = started.body.id;
    const stream = await openEvents(`${webA.url}/api/interviews/${id}/events`, { cookie: alan.cookie });
    expect((await on(webB, alan).post(`/api/interviews/${id}/messages`, { text: 'I wrote the runbook.' })).status).toBe(202);
    const said = await stream.next((e) => e.event === 'item' && e.data.role === 'user' && e.data.text === 'I wrote the runbook.');
    await stream.next((e) => e.event === 'item' && e.data.role === 'assistant', { after: said });

    const ownerId = await ownerOf(id);
    const killed = runners.find((r) => r.id === ownerId)!;
    const before = (await fleetOn(webA)).runners as number;
    killed.child.kill('SIGKILL');
    await killed.exited;

    // Whichever process sweeps first ends it and tells the streams: the candidate's page shows the end.
    const told = await stream.next((e) => e.event === 'ended', { timeoutMs: 30_000 });
    expect(told.data).toMatchObject({ reason: 'error', error: 'The server restarted during this interview.' });
    stream.close();
    const ended = await row(id);
    expect(ended.ended_by).toBe('error');
    expect(ended.conversation.some((item) => item.role === 'user' && item.text === 'I wrote the runbook.')).toBe(true);
    await waitFor(async () => (await fleetOn(webB)).runners === before - 1, { timeoutMs: 30_000, explain: 'the killed runner to leave the fleet' });
  }, 120_000);

  it('says so when no runner is running, and a start waits for none', async () => {
    const left = runners.filter((r) => r.child.exitCode === null && r.child.signalCode === null);
    for (const runner of left) runner.child.kill('SIGTERM');
    await Promise.all(left.map((r) => r.exited));
    // A runner that stops cleanly gives its lease back (/health caches the fleet for a few seconds).
    await waitFor(async () => (await fleetOn(webA)).runners === 0, { explain: 'the stopped runners to leave the fleet' });
    expect(await fleetOn(webA)).toMatchObject({ instances: 2, runners: 0, slotsFree: 0 });
    const user = await candidate('nobody-to-run');
    const refused = await start(webA, user);
    expect([refused.status, refused.body.error, refused.get('retry-after')]).toEqual([503, 'unavailable', '30']);
    expect(refused.body.message).toBe('No interview runner is running right now — try again in a moment.');
  }, 60_000);
});
