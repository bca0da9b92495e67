// The start form and the interview room as HTTP pages: who may see them, what they are told
// about their keys, and that nothing the user typed reaches the page unescaped.
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STAGES } from '../../shared/vocabulary.ts';
import { withUser } from '../../server/db/database.ts';
import * as store from '../../server/interviews/store.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { signInLocally, type Agent } from '../helpers/session.ts';

let app: TestApp;
let agent: Agent;
let token: string;
let userId: string;

const HOSTILE = '<img src=x onerror=alert(1)>';

beforeAll(async () => {
  app = await startTestApp();
  ({ agent, token, userId } = await signInLocally(app));
});
afterAll(() => app?.close());

function voiceRow(candidateName = 'Grace Hopper') {
  return { candidateName, jobRole: 'SRE', experienceLevel: 'mid', mode: 'voice' as const, roomName: 'room-test', hasResume: false, hasJd: false, patience: 'normal' as const };
}

describe('the start form page', () => {
  it('sends a visitor without a session to sign in', async () => {
    await request(app.server).get('/interviews/new').expect(303).expect('location', '/');
  });

  it('does not prefill the local user\'s placeholder name, lists the levels, and says the model key is missing', async () => {
    const reply = await agent.get('/interviews/new');
    expect(reply.status).toBe(200);
    expect(reply.text).toMatch(/id="candidate_name"[^>]* value=""/);
    expect(reply.text).not.toContain('value="Local user"');
    for (const level of ['entry', 'junior', 'mid', 'senior', 'lead', 'staff']) expect(reply.text).toContain(`value="${level}"`);
    expect(reply.text).toContain('Interviews need a language-model key');
    expect(reply.text).toContain('href="/settings/keys"');
    expect(reply.text).toMatch(/<fieldset disabled>/);
    expect(reply.text).toContain('Voice needs LiveKit and Deepgram keys');
    expect(reply.text).not.toMatch(/<script>|onerror=|style="/);
  });

  it('enables text once a model key is saved, and voice once LiveKit and Deepgram are too', async () => {
    await agent.put('/api/keys').set('x-csrf-token', token).send({ openai_key: 'sk-test-1234567890', llm_base_url: 'http://127.0.0.1:9/v1', llm_model: 'm' });
    let page = (await agent.get('/interviews/new')).text;
    expect(page).not.toContain('Interviews need a language-model key');
    expect(page).toMatch(/name="mode" value="voice" disabled/);
    await agent.put('/api/keys').set('x-csrf-token', token).send({
      livekit_url: 'ws://127.0.0.1:9',
      livekit_api_key: 'APIkey123',
      livekit_api_secret: 'secret-secret-secret-secret-1234',
      deepgram_key: 'dg-key-1234567890',
      tts_provider: 'openai',
    });
    page = (await agent.get('/interviews/new')).text;
    // OpenAI's voice with a non-OpenAI model provider cannot run: said before the candidate tries.
    expect(page).toContain('The OpenAI voice needs an OpenAI key, and the language-model key is another provider&#39;s');
    expect(page).toMatch(/name="mode" value="voice" disabled/);
    // A speech server of the user's own takes the language-model key.
    await agent.put('/api/keys').set('x-csrf-token', token).send({ tts_base_url: 'http://127.0.0.1:9/v1' });
    page = (await agent.get('/interviews/new')).text;
    expect(page).not.toContain('id="voice-reason"');
    await agent.put('/api/keys').set('x-csrf-token', token).send({ tts_base_url: '', tts_provider: 'deepgram' });
    page = (await agent.get('/interviews/new')).text;
    expect(page).toMatch(/name="mode" value="voice" checked/);
    expect(page).not.toContain('id="voice-reason"');
  });

  it('prefills a real signed-in name', async () => {
    await app.db.query(`update mockflow.sessions set sess = jsonb_set(sess::jsonb, '{user,name}', to_jsonb('Priya Natarajan'::text))::json`);
    const page = (await agent.get('/interviews/new')).text;
    expect(page).toMatch(/id="candidate_name"[^>]* value="Priya Natarajan"/);
    await app.db.query(`update mockflow.sessions set sess = jsonb_set(sess::jsonb, '{user,name}', to_jsonb('Local user'::text))::json`);
  });

  it('escapes the signed-in name in the prefill', async () => {
    await app.db.query(`update mockflow.sessions set sess = jsonb_set(sess::jsonb, '{user,name}', to_jsonb($1::text))::json`, [HOSTILE]);
    const page = (await agent.get('/interviews/new')).text;
    expect(page).toContain('value="&lt;img src=x onerror=alert(1)&gt;"');
    expect(page).not.toContain(HOSTILE);
    await app.db.query(`update mockflow.sessions set sess = jsonb_set(sess::jsonb, '{user,name}', to_jsonb('Local user'::text))::json`);
  });
});

describe('the interview room page', () => {
  it('renders a live interview with its stage, every stage and the escaped candidate name', async () => {
    const row = await store.createInterview(app.db, userId, voiceRow(HOSTILE));
    try {
      const reply = await agent.get(`/interviews/${row.id}/room`);
      expect(reply.status).toBe(200);
      expect(reply.text).toContain(`data-interview-id="${row.id}"`);
      expect(reply.text).toContain('data-mode="voice"');
      expect(reply.text).toContain('data-stage="welcome"');
      for (const stage of STAGES) expect(reply.text).toContain(`<li data-stage="${stage}"`);
      expect(reply.text).toContain('&lt;img src=x onerror=alert(1)&gt;');
      expect(reply.text).not.toContain(HOSTILE);
      expect(reply.text).toContain('/static/vendor/livekit-client.umd.js');
      expect(reply.text).not.toMatch(/<script>|style="/);
    } finally {
      await store.endInterview(app.db, userId, row.id, 'candidate');
    }
  });

  it('sends an ended interview to its page', async () => {
    const row = await store.createInterview(app.db, userId, voiceRow());
    await store.endInterview(app.db, userId, row.id, 'candidate');
    const reply = await agent.get(`/interviews/${row.id}/room`);
    expect(reply.status).toBe(303);
    expect(reply.get('location')).toBe(`/interviews/${row.id}`);
  });

  it("answers 404 for another user's interview, exactly as for a missing one", async () => {
    const other = (await app.db.query<{ id: string }>(`insert into auth.users (email) values ('other@example.com') returning id`)).rows[0]!.id;
    const row = await store.createInterview(app.db, other, voiceRow('Someone else'));
    try {
      const theirs = await agent.get(`/interviews/${row.id}/room`);
      expect(theirs.status).toBe(404);
      expect(theirs.text).not.toContain('Someone else');
      const missing = await agent.get('/interviews/00000000-0000-4000-8000-000000000000/room');
      expect(missing.status).toBe(404);
      await agent.get('/interviews/not-a-uuid/room').expect(404);
      // Still theirs and still live: looking did nothing.
      const still = await withUser(app.db, other, (tx) => store.getInterview(tx, row.id));
      expect(still?.status).toBe('live');
    } finally {
      await store.endInterview(app.db, other, row.id, 'candidate');
    }
  });
});

describe('the vendored LiveKit browser client', () => {
  it('is served from node_modules as JavaScript, and nothing else is', async () => {
    const reply = await request(app.server).get('/static/vendor/livekit-client.umd.js').expect(200).expect('content-type', /javascript/);
    expect(reply.text).toContain('LivekitClient');
    await request(app.server).get('/static/vendor/..%2Fpackage.json').expect(404);
    await request(app.server).get('/static/vendor/other.js').expect(404);
  });
});
