// The pages' scripts: bundled from browser/ (TypeScript) by the server itself when it runs from
// its sources, one per page, cacheable, and no heavier than the plain scripts they replaced.
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as store from '../../server/interviews/store.ts';
import { PAGE_ENTRIES, pageScript, type PageScript } from '../../server/web/page-scripts.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { signInLocally, type Agent } from '../helpers/session.ts';
import { seedInterview } from './seed.ts';

let app: TestApp;
let agent: Agent;
let userId: string;

beforeAll(async () => {
  app = await startTestApp();
  ({ agent, userId } = await signInLocally(app));
});
afterAll(() => app?.close());

const PAGES = Object.keys(PAGE_ENTRIES) as PageScript[];

/** The JavaScript each page loaded before browser/ (public/js's plain scripts, in bytes): no page may load more. */
const BYTES_BEFORE = {
  landing: 0,
  dashboard: 3_239,
  history: 8_956,
  interview: 8_642,
  keys: 12_391,
  start: 13_788,
  textRoom: 18_758,
  voiceRoom: 641_803,
};

async function scriptBytes(path: string, as = agent): Promise<{ scripts: string[]; bytes: number }> {
  const page = await as.get(path);
  expect(page.status, path).toBe(200);
  const scripts = [...page.text.matchAll(/<script src="([^"]+)"/g)].map((m) => m[1]!);
  let bytes = 0;
  for (const src of scripts) {
    const reply = await agent.get(src);
    expect(reply.status, src).toBe(200);
    bytes += Buffer.byteLength(reply.text);
  }
  return { scripts, bytes };
}

describe('the pages’ scripts', () => {
  it.each(PAGES)('serves %s.js as minified JavaScript built from browser/, with its source map', async (page) => {
    const reply = await agent.get(pageScript(page));
    expect(reply.status).toBe(200);
    expect(reply.get('content-type')).toMatch(/^text\/javascript/);
    expect(reply.text).not.toMatch(/window\.MockFlow|MockFlow\s*=/);
    expect(reply.text.trimEnd().split('\n').length).toBeLessThanOrEqual(3);
    expect(reply.text).toContain(`//# sourceMappingURL=${page}.js.map`);
    const map = (await agent.get(`${pageScript(page)}.map`)).body as { sources: string[] };
    expect(map.sources).toContain(`../../../${PAGE_ENTRIES[page]}`);
  });

  it('are cacheable like other static files and revalidate with their ETag', async () => {
    const first = await agent.get(pageScript('history'));
    expect(first.get('cache-control')).toMatch(/^public, max-age=/);
    const etag = first.get('etag');
    expect(etag).toBeTruthy();
    // As a browser revalidates (fetch would add `no-cache` to a request with If-None-Match of its own).
    await agent.get(pageScript('history')).set({ 'if-none-match': etag!, 'cache-control': 'max-age=0' }).expect(304);
  });

  it('answers 404 for any other name, Object.prototype’s included', async () => {
    for (const name of ['api.js', 'room.js', 'nothing.js', '__proto__', 'constructor', 'toString']) {
      expect((await agent.get(`/static/js/${name}`)).status, name).toBe(404);
    }
  });

  it('loads no more JavaScript on any page than before', async () => {
    const ended = await seedInterview(app.db, userId, { jobRole: 'Data Analyst' });
    const row = (mode: 'text' | 'voice') =>
      store.createInterview(app.db, userId, { candidateName: 'Grace', jobRole: 'SRE', experienceLevel: 'mid', mode, roomName: `room-${mode}`, hasResume: false, hasJd: false, patience: 'normal' });
    const measured: Record<keyof typeof BYTES_BEFORE, number> = {
      landing: (await scriptBytes('/', request(app.server))).bytes,
      dashboard: (await scriptBytes('/dashboard')).bytes,
      history: (await scriptBytes('/interviews')).bytes,
      interview: (await scriptBytes(`/interviews/${ended}`)).bytes,
      keys: (await scriptBytes('/settings/keys')).bytes,
      start: (await scriptBytes('/interviews/new')).bytes,
      textRoom: 0,
      voiceRoom: 0,
    };
    for (const mode of ['text', 'voice'] as const) {
      const live = await row(mode);
      try {
        const { scripts, bytes } = await scriptBytes(`/interviews/${live.id}/room`);
        expect(scripts).toContain(pageScript(`${mode}-room`));
        measured[mode === 'text' ? 'textRoom' : 'voiceRoom'] = bytes;
      } finally {
        await store.endInterview(app.db, userId, live.id, 'candidate');
      }
    }
    console.log(JSON.stringify({ scriptBytesBefore: BYTES_BEFORE, scriptBytesNow: measured }));
    for (const [page, bytes] of Object.entries(measured)) expect(bytes, page).toBeLessThanOrEqual(BYTES_BEFORE[page as keyof typeof BYTES_BEFORE]);
  });
});
