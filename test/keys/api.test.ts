import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { userForIdentity } from '../../server/auth/users.ts';
import { Fernet } from '../../server/crypto/fernet.ts';
import { createVault } from '../../server/crypto/vault.ts';
import { withUser, type Database } from '../../server/db/database.ts';
import { rotateAllKeys } from '../../server/keys/rotate.ts';
import { loadKeysRow, saveKeys } from '../../server/keys/store.ts';
import { startFakeGoogle } from '../fakes/google.ts';
import { startFakeDeepgram, type FakeDeepgram } from '../fakes/deepgram.ts';
import { startFakeLiveKit, type FakeLiveKit } from '../fakes/livekit.ts';
import { startFakeOpenAI, type FakeOpenAI } from '../fakes/openai-llm.ts';
import { startFakeOpenAISpeech, type FakeOpenAISpeech } from '../fakes/openai-speech.ts';
import { startTestApp, TEST_ENCRYPTION_KEY, type TestApp } from '../helpers/app.ts';
import { captureOutput } from '../helpers/logs.ts';
import { signInLocally, signInWithGoogleBehindProxy } from '../helpers/session.ts';
import { waitFor } from '../helpers/wait.ts';

// A unique marker in every secret: it must never come back out of the server.
const MARKER = `MARK${Date.now().toString(36)}X`;
const KEYS = {
  livekit_api_key: `APIlk${MARKER}key1`,
  livekit_api_secret: `lksecret${MARKER}abcdefghijklmnop`,
  openai_key: `sk-test-${MARKER}-wxyz`,
  deepgram_key: `dg${MARKER}9876`,
};
const TTS_KEY = `sk-speech-${MARKER}-tts1`;

let livekit: FakeLiveKit;
let deepgram: FakeDeepgram;
let llm: FakeOpenAI;
let speech: FakeOpenAISpeech;
let app: TestApp | undefined;
let output: ReturnType<typeof captureOutput> | undefined;

beforeAll(async () => {
  livekit = await startFakeLiveKit({ apiKey: KEYS.livekit_api_key, apiSecret: KEYS.livekit_api_secret });
  deepgram = await startFakeDeepgram({ apiKey: KEYS.deepgram_key });
  llm = await startFakeOpenAI({ apiKey: KEYS.openai_key });
  speech = await startFakeOpenAISpeech({ apiKey: TTS_KEY });
});
afterAll(async () => {
  await Promise.all([livekit.close(), deepgram.close(), llm.close(), speech.close()]);
});
afterEach(async () => {
  output?.restore();
  output = undefined;
  await app?.close();
  app = undefined;
});

function start(env: Record<string, string> = {}) {
  output = captureOutput();
  return startTestApp({ env: { DEEPGRAM_API_URL: deepgram.url, ...env }, keyCheckTimeoutMs: 2_000 });
}

/** All the server could have printed: its logger, and console / stdout / stderr (SDKs print with console). */
function everythingPrinted(): string {
  return `${app!.logs.text()}\n${output!.text()}`;
}

/** Every row of every table outside the system schemas, as text. */
async function wholeDatabase(db: Database): Promise<{ tables: string[]; text: string }> {
  const { rows } = await db.query<{ name: string }>(
    `select format('%I.%I', n.nspname, c.relname) as name
       from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where c.relkind in ('r', 'p', 'm')
        and n.nspname not in ('pg_catalog', 'information_schema') and n.nspname not like 'pg\\_%'
      order by 1`,
  );
  const parts: string[] = [];
  for (const { name } of rows) {
    const dump = await db.query<{ row: string }>(`select t::text as row from ${name} t`);
    parts.push(`${name}\n${dump.rows.map((r) => r.row).join('\n')}`);
  }
  return { tables: rows.map((r) => r.name), text: parts.join('\n') };
}

function allKeys() {
  return { ...KEYS, livekit_url: livekit.wsUrl, llm_base_url: llm.url, llm_model: 'gpt-4o-mini', tts_provider: 'deepgram' };
}

describe('saving keys', () => {
  it('seals every key, shows each only masked with when it was saved, and never returns a secret', async () => {
    app = await start();
    const { agent, token } = await signInLocally(app);
    const empty = (await agent.get('/api/keys')).body;
    expect(empty.openai_key).toEqual({ set: false, masked: null, updatedAt: null });
    expect(empty.llm_provider).toBe('openai');

    const saved = await agent.put('/api/keys').set('x-csrf-token', token).send(allKeys());
    expect(saved.status).toBe(200);
    const body = saved.body;
    expect(body.openai_key).toEqual({ set: true, masked: '…wxyz', updatedAt: expect.any(String) });
    expect(body.deepgram_key.masked).toBe('…9876');
    expect(body.livekit_host).toBe(new URL(livekit.wsUrl).host);
    expect(body).toMatchObject({ llm_base_url: llm.url, llm_provider: 'custom', llm_model: 'gpt-4o-mini', tts_provider: 'deepgram', needsReentry: false });
    expect(saved.text).not.toContain(MARKER);
    const again = await agent.get('/api/keys');
    expect(again.text).not.toContain(MARKER);
    expect((await agent.get('/settings/keys')).text).not.toContain(MARKER);

    // At rest: Fernet tokens that open to the keys, never plaintext anywhere in the database.
    const row = (await app.db.query<Record<string, string>>('select * from user_api_keys')).rows[0]!;
    expect(row.openai_key).toMatch(/^gAAAAA/);
    expect(createVault([TEST_ENCRYPTION_KEY]).open(row.openai_key!)).toBe(KEYS.openai_key);
    const database = await wholeDatabase(app.db);
    expect(database.tables).toEqual(expect.arrayContaining(['auth.users', 'public.user_api_keys', 'public.interviews', 'public.feedback']));
    expect(database.text).toContain(row.openai_key); // the dump really holds the rows
    expect(database.text).not.toContain(MARKER);
    expect(everythingPrinted()).not.toContain(MARKER);
  });

  it('sees what is printed outside the logger too (the capture the marker checks rely on)', async () => {
    app = await start();
    const canary = `canary-${Date.now()}`;
    console.warn(`${canary}-console`);
    process.stderr.write(`${canary}-stderr\n`);
    const printed = everythingPrinted();
    expect(printed).toContain(`${canary}-console`);
    expect(printed).toContain(`${canary}-stderr`);
  });

  it('takes an empty LLM base URL as "back to OpenAI", and keeps a preset or custom URL otherwise', async () => {
    app = await start();
    const { agent, token } = await signInLocally(app);
    const custom = (await agent.put('/api/keys').set('x-csrf-token', token).send({ llm_base_url: llm.url })).body;
    expect(custom).toMatchObject({ llm_provider: 'custom', llm_base_url: llm.url });
    const kept = (await agent.put('/api/keys').set('x-csrf-token', token).send({ openai_key: KEYS.openai_key })).body;
    expect(kept).toMatchObject({ llm_provider: 'custom', llm_base_url: llm.url });
    const reset = (await agent.put('/api/keys').set('x-csrf-token', token).send({ llm_base_url: '' })).body;
    expect(reset).toMatchObject({ llm_provider: 'openai', llm_base_url: 'https://api.openai.com/v1' });
  });

  it('saves the speech endpoints beside the keys, seals the speech key, and clears each back to its default', async () => {
    app = await start();
    const { agent, token } = await signInLocally(app);
    const unset = (await agent.get('/api/keys')).body;
    expect(unset).toMatchObject({ deepgram_base_url: null, tts_base_url: null, tts_model: null, tts_voice: null, tts_key: { set: false, masked: null } });

    const speechSettings = { deepgram_base_url: deepgram.url, tts_base_url: speech.url, tts_model: 'kokoro', tts_voice: 'af_bella+af_sky' };
    const saved = await agent.put('/api/keys').set('x-csrf-token', token).send({ ...speechSettings, tts_key: TTS_KEY });
    expect(saved.status, saved.text).toBe(200);
    expect(saved.body).toMatchObject({ ...speechSettings, tts_key: { set: true, masked: '…tts1', updatedAt: expect.any(String) } });
    expect(saved.text).not.toContain(MARKER);
    const row = (await app.db.query<Record<string, string>>('select * from user_api_keys')).rows[0]!;
    expect(row).toMatchObject(speechSettings);
    expect(row.tts_key).toMatch(/^gAAAAA/);
    expect(createVault([TEST_ENCRYPTION_KEY]).open(row.tts_key!)).toBe(TTS_KEY);

    // Saving something else keeps them; an empty value clears each.
    const kept = (await agent.put('/api/keys').set('x-csrf-token', token).send({ deepgram_key: KEYS.deepgram_key })).body;
    expect(kept).toMatchObject({ ...speechSettings, tts_key: { set: true } });
    const cleared = (await agent.put('/api/keys').set('x-csrf-token', token).send({ deepgram_base_url: '', tts_base_url: '', tts_model: '', tts_voice: '', tts_key: '' })).body;
    expect(cleared).toMatchObject({ deepgram_base_url: null, tts_base_url: null, tts_model: null, tts_voice: null, tts_key: { set: false } });
    expect((await wholeDatabase(app.db)).text).not.toContain(MARKER);
    expect(everythingPrinted()).not.toContain(MARKER);
  });

  it('refuses malformed speech settings per field', async () => {
    app = await start();
    const { agent, token } = await signInLocally(app);
    const reply = await agent.put('/api/keys').set('x-csrf-token', token).send({
      deepgram_base_url: 'deepgram.example.com',
      tts_base_url: 'speech.example.com/v1',
      tts_model: 'tts 1',
      tts_voice: 'alloy; drop table',
      tts_key: 'two words',
    });
    expect(reply.status).toBe(400);
    expect(reply.body.fields).toEqual({
      deepgram_base_url: 'must be a full URL, e.g. https://deepgram.example.com',
      tts_base_url: 'must be a full URL, e.g. https://speech.example.com/v1',
      tts_model: 'must be a model name such as tts-1',
      tts_voice: 'must be a voice name such as alloy',
      tts_key: 'must not contain spaces or line breaks',
    });
    // URLs of the wrong form, each in its own words; and hosts that cannot be found, looked up before saving.
    for (const [body, fields] of [
      [
        { deepgram_base_url: 'wss://deepgram.example.com', tts_base_url: 'ftp://speech.example.com/v1' },
        { deepgram_base_url: 'Deepgram base URL must start with https:// or http://', tts_base_url: 'Speech base URL must start with https:// or http://' },
      ],
      [
        { deepgram_base_url: 'https://me:pw@deepgram.example.com', tts_base_url: 'https://speech.example.com/v1?k=1' },
        { deepgram_base_url: 'Deepgram base URL must not contain a user name or password', tts_base_url: 'Speech base URL must not contain ? or #' },
      ],
      [
        { deepgram_base_url: 'https://deepgram.mockflow-test.invalid', tts_base_url: 'https://speech.mockflow-test.invalid/v1' },
        { deepgram_base_url: 'cannot find the host deepgram.mockflow-test.invalid', tts_base_url: 'cannot find the host speech.mockflow-test.invalid' },
      ],
    ]) {
      const refused = await agent.put('/api/keys').set('x-csrf-token', token).send(body);
      expect(refused.status, JSON.stringify(body)).toBe(400);
      expect(refused.body.fields).toEqual(fields);
    }
    expect((await app.db.query('select 1 from user_api_keys')).rows).toHaveLength(0);
  });

  it('replaces one key without retyping the others, and removes them all', async () => {
    app = await start();
    const { agent, token } = await signInLocally(app);
    await agent.put('/api/keys').set('x-csrf-token', token).send(allKeys());
    const before = (await agent.get('/api/keys')).body;
    await waitFor(() => Date.now() > Date.parse(before.deepgram_key.updatedAt), { explain: 'the clock to pass the first save' });
    const updated = (await agent.put('/api/keys').set('x-csrf-token', token).send({ deepgram_key: 'dg-new-key-4321' })).body;
    expect(updated.deepgram_key.masked).toBe('…4321');
    expect(updated.deepgram_key.updatedAt).not.toBe(before.deepgram_key.updatedAt);
    expect(updated.openai_key).toEqual(before.openai_key);
    expect(updated.livekit_api_secret).toEqual(before.livekit_api_secret);

    const cleared = (await agent.put('/api/keys').set('x-csrf-token', token).send({ deepgram_key: '' })).body;
    expect(cleared.deepgram_key.set).toBe(false);

    const removed = await agent.delete('/api/keys').set('x-csrf-token', token);
    expect(removed.status).toBe(200);
    expect(removed.body.openai_key.set).toBe(false);
    expect((await app.db.query('select 1 from user_api_keys')).rows).toHaveLength(0);
  });

  it('refuses bad input per field and keeps what was saved', async () => {
    app = await start();
    const { agent, token } = await signInLocally(app);
    await agent.put('/api/keys').set('x-csrf-token', token).send({ openai_key: KEYS.openai_key });
    const reply = await agent.put('/api/keys').set('x-csrf-token', token).send({
      livekit_url: 'not a url',
      openai_key: 'x'.repeat(513),
      deepgram_key: 'two words',
      tts_provider: 'elevenlabs',
      surprise: 1,
    });
    expect(reply.status).toBe(400);
    const body = reply.body;
    expect(body.error).toBe('validation');
    expect(Object.keys(body.fields).sort()).toEqual(['deepgram_key', 'livekit_url', 'openai_key', 'surprise', 'tts_provider']);
    expect(body.fields.openai_key).toMatch(/512/);
    const still = (await agent.get('/api/keys')).body;
    expect(still.openai_key.masked).toBe('…wxyz');
  });

  it("keeps users apart: B cannot read or overwrite A's keys", async () => {
    app = await start();
    const db = app.db;
    const alice = await signInLocally(app);
    await alice.agent.put('/api/keys').set('x-csrf-token', alice.token).send(allKeys());
    const aliceId = alice.userId;
    // A second user, created the way Google sign-in would.
    const bob = await userForIdentity(db, 'google', 'bob', { name: 'Bob' });
    const asBob = <T>(fn: Parameters<typeof withUser<T>>[2]) => withUser(db, bob.id, fn);
    // As the database owner (no RLS): the whole of A's row, to compare at the end.
    const aliceRow = async () => (await db.query('select * from public.user_api_keys where user_id = $1', [aliceId])).rows;
    const before = await aliceRow();
    expect(before).toHaveLength(1);

    // Reading, as the API reads.
    expect(await asBob((tx) => loadKeysRow(tx, aliceId))).toBeUndefined();
    expect((await asBob((tx) => tx.query('select * from public.user_api_keys'))).rows).toEqual([]);

    // Overwriting: an UPDATE aimed at A's user_id matches nothing B may touch.
    const bobToken = createVault([TEST_ENCRYPTION_KEY]).seal('sk-bob-overwrite-0000');
    const update = await asBob((tx) => tx.query('update public.user_api_keys set openai_key = $1, llm_base_url = null where user_id = $2', [bobToken, aliceId]));
    expect(update.rowCount).toBe(0);
    // An INSERT in A's name, plain or as an upsert onto A's row, is refused by the policy.
    await expect(
      asBob((tx) => tx.query('insert into public.user_api_keys (user_id, openai_key) values ($1, $2)', [aliceId, bobToken])),
    ).rejects.toThrow(/row-level security/);
    await expect(
      asBob((tx) =>
        tx.query(
          `insert into public.user_api_keys (user_id, openai_key) values ($1, $2)
           on conflict (user_id) do update set openai_key = excluded.openai_key`,
          [aliceId, bobToken],
        ),
      ),
    ).rejects.toThrow(/row-level security/);
    expect((await asBob((tx) => tx.query('delete from public.user_api_keys where user_id = $1', [aliceId]))).rowCount).toBe(0);
    // B's own row, saved through the store as the API saves, cannot be moved over to A either.
    await saveKeys(db, bob.id, { openai_key: 'sk-bob-key-0000' }, createVault([TEST_ENCRYPTION_KEY]));
    await expect(
      asBob((tx) => tx.query('update public.user_api_keys set user_id = $1 where user_id = $2', [aliceId, bob.id])),
    ).rejects.toThrow(/row-level security/);

    expect(await aliceRow()).toEqual(before);
    const rows = (await db.query<{ user_id: string }>('select user_id from public.user_api_keys')).rows;
    expect(rows.map((r) => r.user_id).sort()).toEqual([aliceId, bob.id].sort());
    const aliceView = (await alice.agent.get('/api/keys')).body;
    expect(aliceView).toMatchObject({ openai_key: { masked: '…wxyz' }, llm_base_url: llm.url });
  });

  it('refuses private and loopback addresses in production, for each URL', async () => {
    const google = await startFakeGoogle({ sub: 'prod-user', email: 'p@example.test', name: 'P' });
    app = await start({
      NODE_ENV: 'production',
      DATABASE_URL: 'postgres://unused@127.0.0.1:1/unused',
      PUBLIC_URL: 'https://mockflow.example',
      TRUST_PROXY_HOPS: '1',
      GOOGLE_CLIENT_ID: 'id',
      GOOGLE_CLIENT_SECRET: 'secret',
      GOOGLE_AUTHORIZATION_URL: google.authorizationUrl,
      GOOGLE_TOKEN_URL: google.tokenUrl,
      GOOGLE_USERINFO_URL: google.userInfoUrl,
    });
    const { agent, token } = await signInWithGoogleBehindProxy(app);
    await google.close();
    for (const [url, what, httpWhat = what] of [
      ['ws://example.com', /wss:\/\//, /must start with https:\/\/$/],
      ['wss://127.0.0.1', /loopback/],
      ['wss://10.1.2.3', /private/],
      ['https://169.254.169.254/latest', /link-local/],
      ['wss://[::1]:7880', /loopback/],
    ] as const) {
      const http = url.replace(/^ws/, 'http');
      const reply = await agent.put('/api/keys').set('x-csrf-token', token).send({ livekit_url: url, llm_base_url: http, deepgram_base_url: http, tts_base_url: http });
      expect(reply.status, url).toBe(400);
      expect(reply.body.fields.livekit_url, url).toMatch(what);
      for (const field of ['llm_base_url', 'deepgram_base_url', 'tts_base_url']) {
        expect(reply.body.fields[field], `${field} ${url}`).toMatch(httpWhat);
      }
    }
    expect((await app.db.query('select 1 from user_api_keys')).rows).toHaveLength(0);

    // A provider preset is not the user's address: it saves without a lookup (none answers here).
    const preset = await agent.put('/api/keys').set('x-csrf-token', token).send({ llm_base_url: 'https://api.groq.com/openai/v1', llm_model: 'llama-3.1-8b-instant' });
    expect(preset.status, preset.text).toBe(200);
    expect(preset.body).toMatchObject({ llm_provider: 'groq' });
  });
});

describe('testing keys', () => {
  it('checks typed keys before saving, per provider, with a round-trip time', async () => {
    app = await start();
    const { agent, token } = await signInLocally(app);
    const reply = await agent.post('/api/keys/test').set('x-csrf-token', token).send({ ...KEYS, livekit_url: livekit.wsUrl, llm_base_url: llm.url });
    expect(reply.status).toBe(200);
    const results = reply.body;
    for (const provider of ['livekit', 'llm', 'deepgram']) {
      expect(results[provider], provider).toMatchObject({ ok: true, ms: expect.any(Number), message: expect.any(String) });
    }
    expect(reply.text).not.toContain(MARKER);
    expect(everythingPrinted()).not.toContain(MARKER);
  });

  it("tests Deepgram at the user's base URL and the OpenAI voice's speech server, typed or saved", async () => {
    // The server's own Deepgram setting points nowhere: only the user's base URL can pass.
    const closed = await startFakeDeepgram({ apiKey: 'unused' });
    await closed.close();
    app = await start({ DEEPGRAM_API_URL: closed.url });
    const { agent, token } = await signInLocally(app);
    const typed = { deepgram_key: KEYS.deepgram_key, deepgram_base_url: deepgram.url, tts_provider: 'openai', tts_base_url: speech.url, tts_key: TTS_KEY, tts_voice: 'nova' };
    const before = deepgram.requests.length;
    const reply = await agent.post('/api/keys/test').set('x-csrf-token', token).send(typed);
    expect(reply.status, reply.text).toBe(200);
    const results = reply.body;
    expect(results.deepgram).toMatchObject({ ok: true, message: 'Deepgram accepted the key' });
    expect(deepgram.requests.slice(before)).toEqual([{ method: 'GET', path: '/v1/projects', authorized: true }]);
    expect(results.speech).toMatchObject({ ok: true, message: `${new URL(speech.url).host} accepted the speech key and spoke a test word (voice nova, model tts-1)` });
    expect(speech.requests.at(-1)).toMatchObject({ path: '/v1/audio/speech', authorized: true, voice: 'nova', format: 'pcm' });

    // Saved, then tested with nothing typed; a setting sent empty is tested as its default.
    await agent.put('/api/keys').set('x-csrf-token', token).send(typed);
    const saved = (await agent.post('/api/keys/test').set('x-csrf-token', token).send({})).body;
    expect([saved.deepgram.ok, saved.speech.ok]).toEqual([true, true]);
    const defaultDeepgram = (await agent.post('/api/keys/test').set('x-csrf-token', token).send({ deepgram_base_url: '' })).body;
    expect(defaultDeepgram.deepgram).toMatchObject({ ok: false, message: `cannot reach ${closed.url} (connection refused)` });
    const deepgramVoice = (await agent.post('/api/keys/test').set('x-csrf-token', token).send({ tts_provider: 'deepgram' })).body;
    expect(deepgramVoice.speech).toMatchObject({ ok: false, notSet: true, message: 'Not used: the interviewer speaks with the Deepgram voice' });

    const wrong = (await agent.post('/api/keys/test').set('x-csrf-token', token).send({ tts_key: `sk-wrong-${MARKER}` })).body;
    expect(wrong.speech).toMatchObject({ ok: false, message: `${new URL(speech.url).host} rejected the speech key` });
    expect(JSON.stringify([results, saved, wrong])).not.toContain(MARKER);
    expect(everythingPrinted()).not.toContain(MARKER);
  });

  it('falls back to saved keys and says in plain words which one is wrong', async () => {
    app = await start();
    const { agent, token } = await signInLocally(app);
    await agent.put('/api/keys').set('x-csrf-token', token).send(allKeys());
    const saved = (await agent.post('/api/keys/test').set('x-csrf-token', token).send({})).body;
    expect(saved.livekit.ok && saved.llm.ok && saved.deepgram.ok).toBe(true);

    const wrong = (
      await agent.post('/api/keys/test').set('x-csrf-token', token).send({
        livekit_api_secret: `wrong-secret-${MARKER}-padding-padding`,
        openai_key: `sk-wrong-${MARKER}`,
        deepgram_key: `dg-wrong-${MARKER}`,
      })
    ).body;
    expect(wrong.livekit).toMatchObject({ ok: false, message: 'the LiveKit secret does not match the key' });
    expect(wrong.llm.ok).toBe(false);
    expect(wrong.llm.message).toMatch(/rejected the key/);
    expect(wrong.deepgram).toMatchObject({ ok: false, message: 'Deepgram rejected the key' });
    expect(JSON.stringify(wrong)).not.toContain(MARKER);
    expect((await wholeDatabase(app.db)).text).not.toContain(MARKER);
    expect(everythingPrinted()).not.toContain(MARKER);
  });

  it('tests the other providers when a typed host cannot be found, and says so in plain words', async () => {
    app = await start();
    const { agent, token } = await signInLocally(app);
    // .invalid never resolves (RFC 6761).
    const reply = await agent.post('/api/keys/test').set('x-csrf-token', token).send({ ...KEYS, livekit_url: 'wss://livekit.mockflow-test.invalid', llm_base_url: llm.url });
    expect(reply.status, reply.text).toBe(200);
    const results = reply.body;
    expect(results.livekit).toMatchObject({ ok: false, notSet: false, message: 'cannot reach wss://livekit.mockflow-test.invalid (the host name was not found)' });
    expect(results.llm.ok).toBe(true);
    expect(results.deepgram).toMatchObject({ ok: true, message: 'Deepgram accepted the key' });
    expect(deepgram.requests.at(-1)).toMatchObject({ path: '/v1/projects', authorized: true });

    // The form of a URL is still refused up front, per field.
    const malformed = await agent.post('/api/keys/test').set('x-csrf-token', token).send({ livekit_url: 'ftp://livekit.example.com', deepgram_key: KEYS.deepgram_key });
    expect(malformed.status).toBe(400);
    expect(malformed.body).toMatchObject({ error: 'validation', fields: { livekit_url: 'LiveKit URL must start with wss://, https://, ws:// or http://' } });
    expect(everythingPrinted()).not.toContain(MARKER);
  });

  it('takes the whole form: the model is looked for in the provider\'s list, the voice choice is not tested', async () => {
    app = await start();
    const { agent, token } = await signInLocally(app);
    const typed = { ...KEYS, livekit_url: livekit.wsUrl, llm_base_url: llm.url, tts_provider: 'deepgram' };
    const listed = await agent.post('/api/keys/test').set('x-csrf-token', token).send({ ...typed, llm_model: 'gpt-4.1-mini' });
    expect(listed.status, listed.text).toBe(200);
    expect(listed.body.llm).toMatchObject({ ok: true, message: expect.stringMatching(/including gpt-4\.1-mini\)$/) });
    const unknown = (await agent.post('/api/keys/test').set('x-csrf-token', token).send({ ...typed, llm_model: 'no-such-model' })).body;
    expect(unknown.llm.message).toMatch(/does not include no-such-model: check the model name/);
    // Without a model typed, the saved one (or the provider's default) is what interviews use.
    await agent.put('/api/keys').set('x-csrf-token', token).send({ llm_model: 'gpt-4o' });
    expect((await agent.post('/api/keys/test').set('x-csrf-token', token).send(typed)).body.llm.message).toMatch(/including gpt-4o\)$/);
    // Nothing typed for a test is saved.
    const view = (await agent.get('/api/keys')).body;
    expect(view).toMatchObject({ llm_model: 'gpt-4o', tts_provider: 'openai', llm_provider: 'openai', openai_key: { set: false } });
  });

  it('is rate-limited per user', async () => {
    app = await startTestApp({ env: { DEEPGRAM_API_URL: deepgram.url }, rateLimits: { keyTest: { windowMs: 60_000, perIp: 100, perUser: 2 } } });
    const { agent, token } = await signInLocally(app);
    await agent.post('/api/keys/test').set('x-csrf-token', token).send({}).expect(200);
    await agent.post('/api/keys/test').set('x-csrf-token', token).send({}).expect(200);
    const limited = await agent.post('/api/keys/test').set('x-csrf-token', token).send({});
    expect(limited.status).toBe(429);
    expect(limited.get('retry-after')).toBeTruthy();
  });
});

describe('rotation and unreadable keys', () => {
  it('re-seals every key under the new first key, safely twice, and reports keys no key opens', async () => {
    app = await start();
    const { agent, token } = await signInLocally(app);
    await agent.put('/api/keys').set('x-csrf-token', token).send(allKeys());
    const newKey = 'YTFSTnhzZ1BmZ3JCMzBtbHFNY1FzMjdUcW5vWjVmS2g=';
    const rotated = await rotateAllKeys(app.db, createVault([newKey, TEST_ENCRYPTION_KEY]));
    expect(rotated).toEqual({ rows: 1, resealed: 5, current: 0, unreadableRows: 0 });
    expect(await rotateAllKeys(app.db, createVault([newKey, TEST_ENCRYPTION_KEY]))).toEqual({ rows: 1, resealed: 0, current: 5, unreadableRows: 0 });
    const row = (await app.db.query<{ openai_key: string }>('select openai_key from user_api_keys')).rows[0]!;
    expect(createVault([newKey]).open(row.openai_key)).toBe(KEYS.openai_key);
    expect(() => createVault([TEST_ENCRYPTION_KEY]).open(row.openai_key)).toThrow(/re-entering/);

    // The server still has only the old key: the keys page says they need re-entering, no 500.
    const view = await agent.get('/api/keys');
    expect(view.status).toBe(200);
    expect(view.body).toMatchObject({ needsReentry: true, openai_key: { set: true, masked: null, unreadable: true } });
    expect(view.body.message).toMatch(/re-enter/);
    expect(await rotateAllKeys(app.db, createVault([TEST_ENCRYPTION_KEY]))).toMatchObject({ unreadableRows: 1, resealed: 0 });
    // Re-entering replaces the unreadable key.
    const fixed = (await agent.put('/api/keys').set('x-csrf-token', token).send({ ...KEYS, livekit_url: livekit.wsUrl })).body;
    expect(fixed.needsReentry).toBe(false);
  });

  it('"Test keys" says which saved keys need re-entering and still tests the providers whose keys open', async () => {
    app = await start();
    const { agent, token } = await signInLocally(app);
    await agent.put('/api/keys').set('x-csrf-token', token).send(allKeys());
    // Two fields sealed under a key this server does not have, as after a lost ENCRYPTION_KEY.
    const stranger = new Fernet(Fernet.generateKey());
    await app.db.query('update user_api_keys set openai_key = $1, livekit_api_secret = $2', [
      stranger.encrypt(KEYS.openai_key),
      stranger.encrypt(KEYS.livekit_api_secret),
    ]);

    const reply = await agent.post('/api/keys/test').set('x-csrf-token', token).send({});
    expect(reply.status).toBe(200);
    const results = reply.body;
    expect(results.livekit).toEqual({
      ok: false,
      notSet: false,
      ms: 0,
      message: 'The saved LiveKit API secret needs re-entering: it was saved under an encryption key this server no longer has. Enter it again and save.',
    });
    expect(results.llm).toMatchObject({ ok: false, notSet: false, message: expect.stringMatching(/^The saved language model key needs re-entering/) });
    // Deepgram's key opens: it is really tested, not shown as "Not set".
    expect(results.deepgram).toMatchObject({ ok: true, notSet: false, ms: expect.any(Number) });
    expect(results.deepgram.message).not.toMatch(/re-enter|not set/i);

    // A key typed again is tested in place of the unreadable saved one.
    const retyped = (await agent.post('/api/keys/test').set('x-csrf-token', token).send({ openai_key: KEYS.openai_key, livekit_api_secret: KEYS.livekit_api_secret })).body;
    expect(retyped.llm.ok).toBe(true);
    expect(retyped.livekit.ok).toBe(true);
    expect(retyped.deepgram.ok).toBe(true);

    // Several unreadable fields of one provider are named together.
    await app.db.query('update user_api_keys set livekit_api_key = $1', [stranger.encrypt(KEYS.livekit_api_key)]);
    const both = (await agent.post('/api/keys/test').set('x-csrf-token', token).send({})).body;
    expect(both.livekit.message).toBe(
      'The saved LiveKit API key and LiveKit API secret need re-entering: they were saved under an encryption key this server no longer has. Enter them again and save.',
    );
    expect(JSON.stringify([results, retyped, both])).not.toContain(MARKER);
    expect(everythingPrinted()).not.toContain(MARKER);
  });

  it('"Test keys" asks for an unreadable speech key again, and for the OpenAI voice only', async () => {
    app = await start();
    const { agent, token } = await signInLocally(app);
    await agent.put('/api/keys').set('x-csrf-token', token).send({ ...allKeys(), tts_provider: 'openai', tts_base_url: speech.url, tts_key: TTS_KEY });
    await app.db.query('update user_api_keys set tts_key = $1', [new Fernet(Fernet.generateKey()).encrypt(TTS_KEY)]);
    const results = (await agent.post('/api/keys/test').set('x-csrf-token', token).send({})).body;
    expect(results.speech).toMatchObject({ ok: false, notSet: false, message: expect.stringMatching(/^The saved speech key needs re-entering/) });
    expect(results.llm.ok).toBe(true);
    expect((await agent.post('/api/keys/test').set('x-csrf-token', token).send({ tts_key: TTS_KEY })).body.speech.ok).toBe(true);
    expect((await agent.post('/api/keys/test').set('x-csrf-token', token).send({ tts_provider: 'deepgram' })).body.speech.message).toMatch(/^Not used/);
    expect(everythingPrinted()).not.toContain(MARKER);
  });
});
