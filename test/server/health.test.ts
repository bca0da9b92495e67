import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from '../../server/app.ts';
import { parseConfig } from '../../server/config.ts';
import { listen, type Listening } from '../helpers/http.ts';
import { captureLogs } from '../helpers/logs.ts';
import { freshPglite } from '../helpers/databases.ts';

const config = parseConfig({
  NODE_ENV: 'test',
  ENCRYPTION_KEY: 'cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4=',
  SECRET_KEY: 's'.repeat(40),
  MAX_CONCURRENT_WORKERS: '4',
});

let running: Listening | undefined;
afterEach(async () => {
  await running?.close();
  running = undefined;
});

describe('/health', () => {
  it('reports a healthy server with its workers, version and uptime', async () => {
    const db = await freshPglite();
    running = await listen(createApp({ config, db, logger: captureLogs().logger, workers: { active: () => 1, max: 4 }, version: '9.9.9' }).app);
    const res = await fetch(`${running.url}/health`);
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toEqual({
      status: 'healthy',
      database: 'connected',
      workers: { active: 1, max: 4 },
      version: '9.9.9',
      uptimeSeconds: expect.any(Number),
    });
    expect((await fetch(`${running.url}/live`)).status).toBe(200);
    expect((await fetch(`${running.url}/ready`)).status).toBe(200);
    await db.close();
  });

  it('turns unhealthy once the database stops answering, after at most the cache interval', async () => {
    const db = await freshPglite();
    let clock = 1_000_000;
    running = await listen(
      createApp({ config, db, logger: captureLogs().logger, workers: { active: () => 0, max: 4 }, version: '1', now: () => clock }).app,
    );
    expect((await fetch(`${running.url}/health`)).status).toBe(200);
    await db.close();
    // Within the cache window the answer comes from memory without asking the database.
    clock += 4_000;
    expect((await fetch(`${running.url}/health`)).status).toBe(200);
    clock += 1_500;
    const res = await fetch(`${running.url}/health`);
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ status: 'unhealthy', database: 'unreachable' });
    expect((await fetch(`${running.url}/ready`)).status).toBe(503);
    expect((await fetch(`${running.url}/live`)).status).toBe(200);
  });
});

describe('errors', () => {
  it('answers unknown API paths with JSON and unknown pages with a page, never a stack', async () => {
    const db = await freshPglite();
    running = await listen(createApp({ config, db, logger: captureLogs().logger, workers: { active: () => 0, max: 4 }, version: '1' }).app);
    const api = await fetch(`${running.url}/api/nothing-here`);
    expect(api.status).toBe(404);
    expect(await api.json()).toMatchObject({ error: 'not_found' });
    const page = await fetch(`${running.url}/nothing-here`, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(404);
    const html = await page.text();
    expect(html).toContain('Page not found');
    expect(html).not.toMatch(/at .*\.ts:\d+/);
    const badJson = await fetch(`${running.url}/api/nothing-here`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"broken":',
    });
    expect(badJson.status).toBe(400);
    expect(await badJson.json()).toMatchObject({ error: 'bad_json' });
    await db.close();
  });
});
