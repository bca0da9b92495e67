import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { testProviderKeys, type CheckOptions, type ProviderCheckResults, type ProviderKeys } from '../../server/keys/checks.ts';
import { LLM_PRESETS, defaultModelFor, providerName } from '../../shared/providers.ts';
import type { Resolver } from '../../shared/net-guard.ts';
import { REDACTED } from '../../shared/redact.ts';
import { startFakeDeepgram, type FakeDeepgram } from '../fakes/deepgram.ts';
import { sendGarbage, startFakeLiveKit, type FakeLiveKit, type Garbage } from '../fakes/livekit.ts';
import { startFakeOpenAI, type FakeOpenAI } from '../fakes/openai-llm.ts';
import { startFakeOpenAISpeech, type FakeOpenAISpeech } from '../fakes/openai-speech.ts';

// Unique markers: if any of them shows up in any message, a secret leaked.
const LK_KEY = 'APImarkerLK7f3a9';
const LK_SECRET = 'lk-secret-marker-9b2c4e1d0a';
const LLM_KEY = 'sk-llm-marker-5d8e2f7a';
const DG_KEY = 'dg-key-marker-3c6b1a94';
const TTS_KEY = 'sk-tts-marker-8e1f4c27';
const MARKERS = [LK_KEY, LK_SECRET, LLM_KEY, DG_KEY, TTS_KEY];

const every: string[] = [];
afterAll(() => {
  // Messages are built from fixed text, not redacted after the fact: no marker, no REDACTED.
  expect(every.length).toBeGreaterThan(20);
  for (const message of every) {
    for (const marker of MARKERS) expect(message).not.toContain(marker);
    expect(message).not.toContain(REDACTED);
  }
});

async function run(keys: ProviderKeys, options: CheckOptions): Promise<ProviderCheckResults> {
  const results = await testProviderKeys(keys, options);
  every.push(results.livekit.message, results.llm.message, results.deepgram.message, results.speech.message);
  return results;
}

function resolverFrom(table: Record<string, string[][]>): Resolver & { calls: string[] } {
  const calls: string[] = [];
  const resolve = async (hostname: string) => {
    const n = calls.filter((c) => c === hostname).length;
    calls.push(hostname);
    const answers = table[hostname];
    if (!answers) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    return answers[Math.min(n, answers.length - 1)]!.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
  return Object.assign(resolve, { calls });
}

async function startGarbageServer(garbage: Garbage) {
  const server = http.createServer((req, res) => {
    req.resume();
    sendGarbage(res, garbage);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

async function closedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('testProviderKeys against working fakes', () => {
  let livekit: FakeLiveKit;
  let llm: FakeOpenAI;
  let deepgram: FakeDeepgram;
  let speech: FakeOpenAISpeech;
  let options: CheckOptions;
  let valid: ProviderKeys;

  beforeAll(async () => {
    [livekit, llm, deepgram, speech] = await Promise.all([
      startFakeLiveKit({ apiKey: LK_KEY, apiSecret: LK_SECRET }),
      startFakeOpenAI({ apiKey: LLM_KEY }),
      startFakeDeepgram({ apiKey: DG_KEY }),
      startFakeOpenAISpeech({ apiKey: TTS_KEY }),
    ]);
    options = { production: false, timeoutMs: 2000, deepgramBaseUrl: deepgram.url };
    valid = { livekitUrl: livekit.wsUrl, livekitApiKey: LK_KEY, livekitApiSecret: LK_SECRET, llmBaseUrl: llm.url, llmKey: LLM_KEY, deepgramKey: DG_KEY };
  });
  afterAll(() => Promise.all([livekit.close(), llm.close(), deepgram.close(), speech.close()]));

  it('passes valid keys for each provider, each through its own API call', async () => {
    const results = await run(valid, options);
    expect(results.livekit).toMatchObject({ ok: true, notSet: false, message: 'LiveKit accepted the key and secret (0 rooms active)' });
    expect(results.llm).toMatchObject({ ok: true, notSet: false, message: expect.stringMatching(/accepted the key \(3 models available\)$/) });
    expect(results.deepgram).toMatchObject({ ok: true, notSet: false, message: 'Deepgram accepted the key' });
    for (const r of Object.values(results)) expect(r.ms).toBeGreaterThanOrEqual(0);
    expect(livekit.requests.at(-1)).toEqual({ method: 'POST', path: '/twirp/livekit.RoomService/ListRooms', outcome: 'ok' });
    expect(llm.requests.at(-1)).toMatchObject({ method: 'GET', path: '/v1/models', authorized: true });
    expect(deepgram.requests.at(-1)).toEqual({ method: 'GET', path: '/v1/projects', authorized: true });
  });

  it('accepts the LiveKit URL as https:// (http:// locally) as well as wss://', async () => {
    const results = await run({ ...valid, livekitUrl: livekit.url }, options);
    expect(results.livekit.ok).toBe(true);
  });

  it('says which LiveKit value is wrong: the key or the secret', async () => {
    const wrongKey = await run({ ...valid, livekitApiKey: 'APIotherKey123' }, options);
    expect(wrongKey.livekit).toMatchObject({ ok: false, message: 'LiveKit rejected the API key' });
    expect(livekit.requests.at(-1)?.outcome).toBe('unknown-key');
    const wrongSecret = await run({ ...valid, livekitApiSecret: 'another-secret-entirely' }, options);
    expect(wrongSecret.livekit).toMatchObject({ ok: false, message: 'the LiveKit secret does not match the key' });
    expect(livekit.requests.at(-1)?.outcome).toBe('bad-signature');
  });

  it('names the LLM provider that rejected the key', async () => {
    const results = await run({ ...valid, llmKey: 'sk-not-the-right-one' }, options);
    expect(results.llm).toMatchObject({ ok: false, message: `${new URL(llm.url).host} rejected the key` });
    // Groq's host name, served by the fake through an injected resolver.
    const port = new URL(llm.url).port;
    const resolve = resolverFrom({ 'api.groq.com': [['127.0.0.1']] });
    const groq = await run({ ...valid, llmBaseUrl: `http://api.groq.com:${port}/v1`, llmKey: 'gsk-not-the-right-one' }, { ...options, resolve });
    expect(groq.llm).toMatchObject({ ok: false, message: 'Groq rejected the key' });
  });

  it('rejects a wrong Deepgram key', async () => {
    const results = await run({ ...valid, deepgramKey: 'dg-not-the-right-one' }, options);
    expect(results.deepgram).toMatchObject({ ok: false, message: 'Deepgram rejected the key' });
    expect(deepgram.requests.at(-1)?.authorized).toBe(false);
  });

  it('reports missing values without calling anyone', async () => {
    const before = [livekit.requests.length, llm.requests.length, deepgram.requests.length];
    const none = await run({ livekitUrl: '  ', llmKey: '' }, options);
    for (const r of Object.values(none)) expect(r).toEqual({ ok: false, notSet: true, ms: 0, message: 'Not set' });
    const partial = await run({ livekitUrl: livekit.wsUrl, livekitApiKey: LK_KEY }, options);
    expect(partial.livekit).toMatchObject({ ok: false, notSet: true, message: 'Missing the LiveKit API secret' });
    expect([livekit.requests.length, llm.requests.length, deepgram.requests.length]).toEqual(before);
  });

  it('sends every SDK call through the guarded connection, rebinding included', async () => {
    // Host names only the injected resolver knows: reaching the fakes proves each SDK connects
    // through the guarded lookup rather than the system's.
    const resolve = resolverFrom({ 'livekit.test': [['127.0.0.1']], 'llm.test': [['127.0.0.1']], 'deepgram.test': [['127.0.0.1']] });
    const port = (url: string) => new URL(url).port;
    const named = await run(
      { ...valid, livekitUrl: `ws://livekit.test:${port(livekit.url)}`, llmBaseUrl: `http://llm.test:${port(llm.url)}/v1` },
      { ...options, deepgramBaseUrl: `http://deepgram.test:${port(deepgram.url)}`, resolve },
    );
    expect([named.livekit.ok, named.llm.ok, named.deepgram.ok]).toEqual([true, true, true]);

    // In production: public when the URL is checked, private when the SDK connects.
    const before = [livekit.requests.length, llm.requests.length, deepgram.requests.length];
    const rebind = resolverFrom({
      'livekit.rebind.test': [['93.184.215.14'], ['10.0.0.7']],
      'llm.rebind.test': [['93.184.215.14'], ['169.254.169.254']],
      'deepgram.rebind.test': [['127.0.0.1']],
    });
    const refused = await run(
      { ...valid, livekitUrl: 'wss://livekit.rebind.test', llmBaseUrl: 'https://llm.rebind.test/v1' },
      { production: true, timeoutMs: 2000, deepgramBaseUrl: 'https://deepgram.rebind.test', resolve: rebind },
    );
    expect(refused.livekit).toMatchObject({ ok: false, message: 'livekit.rebind.test resolves to 10.0.0.7, which is private and cannot be used' });
    expect(refused.llm).toMatchObject({ ok: false, message: 'llm.rebind.test resolves to 169.254.169.254, which is link-local and cannot be used' });
    expect(refused.deepgram).toMatchObject({ ok: false, message: 'deepgram.rebind.test resolves to 127.0.0.1, which is loopback and cannot be used' });
    expect(rebind.calls.filter((c) => c === 'livekit.rebind.test')).toHaveLength(2);
    expect(rebind.calls.filter((c) => c === 'llm.rebind.test')).toHaveLength(2);
    expect([livekit.requests.length, llm.requests.length, deepgram.requests.length]).toEqual(before);
  });

  it('a host that cannot be found fails only its own provider, in plain words', async () => {
    const resolve = resolverFrom({});
    const results = await run(
      { ...valid, livekitUrl: 'wss://nowhere.example.test', llmBaseUrl: 'https://llm.nowhere.example.test/v1' },
      { ...options, resolve },
    );
    expect(results.livekit).toMatchObject({ ok: false, notSet: false, message: 'cannot reach wss://nowhere.example.test (the host name was not found)' });
    expect(results.llm).toMatchObject({ ok: false, message: 'cannot reach https://llm.nowhere.example.test/v1 (the host name was not found)' });
    expect(results.deepgram).toMatchObject({ ok: true, message: 'Deepgram accepted the key' });
    // The same words when the name goes missing between the check and the connection.
    const vanishing = resolverFrom({ 'flaky.example.test': [['127.0.0.1'], []] });
    const port = new URL(livekit.url).port;
    const late = await run({ ...valid, livekitUrl: `ws://flaky.example.test:${port}` }, { ...options, resolve: vanishing });
    expect(late.livekit).toMatchObject({ ok: false, message: `cannot reach ws://flaky.example.test:${port} (the host name was not found)` });
  });

  it("bounds a host name lookup that never answers by the check's own clock, and tests the others", async () => {
    const resolve: Resolver = (host) => (host === 'slow.example.test' ? new Promise(() => {}) : resolverFrom({})(host));
    const before = [llm.requests.length, deepgram.requests.length];
    // A lookup that never answers would hang this test (to its timeout) if the clock did not bound it.
    const results = await run({ ...valid, livekitUrl: 'wss://slow.example.test' }, { ...options, timeoutMs: 1000, resolve });
    expect(results.livekit).toMatchObject({ ok: false, message: 'cannot reach wss://slow.example.test (looking up the host name took longer than 1 s)' });
    expect(results.livekit.ms).toBeGreaterThanOrEqual(995);
    // The others were tested meanwhile (whether they answered within the second depends on the machine).
    expect(llm.requests.length).toBeGreaterThan(before[0]!);
    expect(deepgram.requests.length).toBeGreaterThan(before[1]!);
  });

  it("looks for the interview's model in the provider's model list", async () => {
    const listed = await run({ ...valid, llmModel: 'gpt-4o' }, options);
    expect(listed.llm).toMatchObject({ ok: true, message: `${new URL(llm.url).host} accepted the key (3 models available, including gpt-4o)` });
    // The key works, so the check passes; the name is flagged rather than failed, since a
    // provider's list is not always complete.
    const missing = await run({ ...valid, llmModel: 'gpt-4o-typo' }, options);
    expect(missing.llm).toMatchObject({
      ok: true,
      message: `${new URL(llm.url).host} accepted the key, but its list of models does not include gpt-4o-typo: check the model name (3 models available)`,
    });
  });

  it('refuses loopback in production before anything is sent', async () => {
    const before = [livekit.requests.length, llm.requests.length];
    const results = await run(
      { ...valid, livekitUrl: livekit.url.replace('http:', 'https:'), llmBaseUrl: `https://localhost:${new URL(llm.url).port}/v1` },
      { ...options, production: true },
    );
    expect(results.livekit).toMatchObject({ ok: false, message: 'that address is loopback (127.0.0.1) and cannot be used' });
    expect(results.llm.message).toMatch(/^localhost resolves to (127\.0\.0\.1|::1), which is loopback and cannot be used$/);
    expect([livekit.requests.length, llm.requests.length]).toEqual(before);
    const plain = await run({ ...valid, livekitUrl: livekit.wsUrl }, { ...options, production: true });
    expect(plain.livekit.message).toBe('LiveKit URL must start with wss:// or https://');
  });

  it("tests Deepgram at the user's own base URL when given, else at the server's", async () => {
    const closed = `http://127.0.0.1:${await closedPort()}`;
    const before = deepgram.requests.length;
    const own = await run({ deepgramKey: DG_KEY, deepgramBaseUrl: `${deepgram.url}/` }, { ...options, deepgramBaseUrl: closed });
    expect(own.deepgram).toMatchObject({ ok: true, notSet: false, message: 'Deepgram accepted the key' });
    expect(deepgram.requests.slice(before)).toEqual([{ method: 'GET', path: '/v1/projects', authorized: true }]);
    const server = await run({ deepgramKey: DG_KEY }, { ...options, deepgramBaseUrl: closed });
    expect(server.deepgram).toMatchObject({ ok: false, message: `cannot reach ${closed} (connection refused)` });
    // Given with /v1, the base URL reaches no API: said so, with what to change.
    const withV1 = await run({ deepgramKey: DG_KEY, deepgramBaseUrl: `${deepgram.url}/v1` }, options);
    expect(withV1.deepgram).toMatchObject({
      ok: false,
      message: `no Deepgram API answers at ${deepgram.url}/v1 (HTTP 404): check the Deepgram base URL (without /v1)`,
    });
  });

  it("judges the user's Deepgram base URL as their other URLs, before anything is sent", async () => {
    const before = deepgram.requests.length;
    const plain = await run({ deepgramKey: DG_KEY, deepgramBaseUrl: deepgram.url }, { ...options, production: true });
    expect(plain.deepgram).toMatchObject({ ok: false, notSet: false, message: 'Deepgram base URL must start with https://' });
    const loopback = await run({ deepgramKey: DG_KEY, deepgramBaseUrl: deepgram.url.replace('http:', 'https:') }, { ...options, production: true });
    expect(loopback.deepgram.message).toBe('that address is loopback (127.0.0.1) and cannot be used');
    expect(deepgram.requests.length).toBe(before);
  });

  it('speaks one short test sentence for the OpenAI voice at the speech base URL, with the speech key', async () => {
    const host = new URL(speech.url).host;
    const results = await run({ ...valid, ttsBaseUrl: speech.url, ttsKey: TTS_KEY }, options);
    expect(results.speech).toMatchObject({ ok: true, notSet: false, message: `${host} accepted the speech key and spoke a test word (voice alloy, model tts-1)` });
    expect(results.speech.ms).toBeGreaterThanOrEqual(0);
    const request = speech.requests.at(-1)!;
    expect(request).toMatchObject({ method: 'POST', path: '/v1/audio/speech', authorized: true, model: 'tts-1', voice: 'alloy', input: 'Hi.', format: 'pcm' });
    expect(request.audioBytes).toBeGreaterThan(0);

    const chosen = await run({ ...valid, ttsBaseUrl: `${speech.url}/`, ttsKey: TTS_KEY, ttsModel: 'kokoro', ttsVoice: 'af_bella' }, options);
    expect(chosen.speech).toMatchObject({ ok: true, message: `${host} accepted the speech key and spoke a test word (voice af_bella, model kokoro)` });
    expect(speech.requests.at(-1)).toMatchObject({ path: '/v1/audio/speech', model: 'kokoro', voice: 'af_bella' });
  });

  it('says which key the speech server rejected: the speech key, or the language-model key sent without one', async () => {
    const host = new URL(speech.url).host;
    const wrong = await run({ ...valid, ttsBaseUrl: speech.url, ttsKey: 'sk-tts-not-this-one' }, options);
    expect(wrong.speech).toMatchObject({ ok: false, notSet: false, message: `${host} rejected the speech key` });
    expect(speech.requests.at(-1)).toMatchObject({ path: '/v1/audio/speech', authorized: false });
    // Without a speech key, the user's own speech server gets the language-model key.
    const llmKey = await run({ ...valid, ttsBaseUrl: speech.url }, options);
    expect(llmKey.speech).toMatchObject({ ok: false, message: `${host} rejected the language-model key` });
    const open = await startFakeOpenAISpeech({ apiKey: LLM_KEY });
    try {
      const accepted = await run({ ...valid, ttsBaseUrl: open.url }, options);
      expect(accepted.speech).toMatchObject({ ok: true, message: expect.stringMatching(/ accepted the language-model key and spoke a test word /) });
      expect(open.requests).toMatchObject([{ path: '/v1/audio/speech', authorized: true }]);
    } finally {
      await open.close();
    }
  });

  it('tests no speech for the Deepgram voice, and sends no key OpenAI would refuse', async () => {
    const before = speech.requests.length;
    const deepgramVoice = await run({ ...valid, ttsProvider: 'deepgram', ttsBaseUrl: speech.url, ttsKey: TTS_KEY }, options);
    expect(deepgramVoice.speech).toEqual({ ok: false, notSet: true, ms: 0, message: 'Not used: the interviewer speaks with the Deepgram voice' });
    // valid's model provider is not OpenAI: its key would go to OpenAI's speech, which would refuse it.
    const otherProvider = await run(valid, options);
    expect(otherProvider.speech).toMatchObject({
      ok: false,
      notSet: true,
      message: "OpenAI's speech does not take this language-model key: add a speech key, or the base URL of your own speech server",
    });
    expect(speech.requests.length).toBe(before);
  });

  it('refuses a loopback speech base URL in production before anything is sent', async () => {
    const before = speech.requests.length;
    const plain = await run({ ...valid, ttsBaseUrl: speech.url, ttsKey: TTS_KEY }, { ...options, production: true });
    expect(plain.speech).toMatchObject({ ok: false, notSet: false, message: 'Speech base URL must start with https://' });
    const loopback = await run({ ...valid, ttsBaseUrl: speech.url.replace('http:', 'https:'), ttsKey: TTS_KEY }, { ...options, production: true });
    expect(loopback.speech.message).toBe('that address is loopback (127.0.0.1) and cannot be used');
    expect(speech.requests.length).toBe(before);
  });

  it("connects to the user's Deepgram and speech servers through the guard, rebinding included", async () => {
    const port = (url: string) => new URL(url).port;
    const named = resolverFrom({ 'dg.user.test': [['127.0.0.1']], 'speech.user.test': [['127.0.0.1']] });
    const reached = await run(
      { ...valid, deepgramBaseUrl: `http://dg.user.test:${port(deepgram.url)}`, ttsBaseUrl: `http://speech.user.test:${port(speech.url)}/v1`, ttsKey: TTS_KEY },
      { ...options, resolve: named },
    );
    expect([reached.deepgram.ok, reached.speech.ok]).toEqual([true, true]);

    const before = [deepgram.requests.length, speech.requests.length];
    const rebind = resolverFrom({ 'dg.rebind.test': [['93.184.215.14'], ['10.0.0.9']], 'speech.rebind.test': [['93.184.215.14'], ['192.168.1.9']] });
    const refused = await run(
      { ...valid, deepgramBaseUrl: 'https://dg.rebind.test', ttsBaseUrl: 'https://speech.rebind.test/v1', ttsKey: TTS_KEY },
      { production: true, timeoutMs: 2000, resolve: rebind },
    );
    expect(refused.deepgram).toMatchObject({ ok: false, message: 'dg.rebind.test resolves to 10.0.0.9, which is private and cannot be used' });
    expect(refused.speech).toMatchObject({ ok: false, message: 'speech.rebind.test resolves to 192.168.1.9, which is private and cannot be used' });
    expect(rebind.calls.filter((c) => c === 'dg.rebind.test')).toHaveLength(2);
    expect(rebind.calls.filter((c) => c === 'speech.rebind.test')).toHaveLength(2);
    expect([deepgram.requests.length, speech.requests.length]).toEqual(before);
  });
});

describe('testProviderKeys against providers that misbehave', () => {
  const fakes: { close(): Promise<void> }[] = [];
  afterEach(async () => {
    await Promise.all(fakes.splice(0).map((f) => f.close()));
  });

  it('times each check out on its own clock, all four at once', async () => {
    const [livekit, llm, deepgram, speech] = await Promise.all([
      startFakeLiveKit({ apiKey: LK_KEY, apiSecret: LK_SECRET, hang: true }),
      startFakeOpenAI({ apiKey: LLM_KEY, hang: true }),
      startFakeDeepgram({ apiKey: DG_KEY, hang: true }),
      startFakeOpenAISpeech({ apiKey: TTS_KEY, hang: true }),
    ]);
    fakes.push(livekit, llm, deepgram, speech);
    const timeoutMs = 400;
    const started = performance.now();
    const results = await run(
      {
        livekitUrl: livekit.wsUrl,
        livekitApiKey: LK_KEY,
        livekitApiSecret: LK_SECRET,
        llmBaseUrl: llm.url,
        llmKey: LLM_KEY,
        deepgramKey: DG_KEY,
        ttsBaseUrl: speech.url,
        ttsKey: TTS_KEY,
      },
      { production: false, timeoutMs, deepgramBaseUrl: deepgram.url },
    );
    const elapsed = performance.now() - started;
    expect(results.livekit).toMatchObject({ ok: false, message: `cannot reach ${livekit.wsUrl} (timed out after 0.4 s)` });
    expect(results.llm).toMatchObject({ ok: false, message: `cannot reach ${llm.url} (timed out after 0.4 s)` });
    expect(results.deepgram).toMatchObject({ ok: false, message: `cannot reach ${deepgram.url} (timed out after 0.4 s)` });
    expect(results.speech).toMatchObject({ ok: false, message: `cannot reach ${speech.url} (timed out after 0.4 s)` });
    for (const r of Object.values(results)) expect(r.ms).toBeGreaterThanOrEqual(timeoutMs - 5);
    // In parallel: about one timeout, far from four.
    expect(elapsed).toBeLessThan(timeoutMs * 2.5);
    expect([livekit.requests.length, llm.requests.length, deepgram.requests.length, speech.requests.length]).toEqual([1, 1, 1, 1]);
  });

  it('matches an Ollama-style "name:latest" and says nothing of the model when the list is empty', async () => {
    const [ollama, empty] = await Promise.all([
      startFakeOpenAI({ apiKey: LLM_KEY, models: ['llama3:latest', 'qwen2.5:7b'] }),
      startFakeOpenAI({ apiKey: LLM_KEY, models: [] }),
    ]);
    fakes.push(ollama, empty);
    const options = { production: false, timeoutMs: 2000 };
    const latest = await run({ llmBaseUrl: ollama.url, llmKey: LLM_KEY, llmModel: 'llama3' }, options);
    expect(latest.llm).toMatchObject({ ok: true, message: expect.stringMatching(/\(2 models available, including llama3\)$/) });
    const none = await run({ llmBaseUrl: empty.url, llmKey: LLM_KEY, llmModel: 'anything' }, options);
    expect(none.llm).toMatchObject({ ok: true, message: expect.stringMatching(/accepted the key \(0 models available\)$/) });
  });

  it.each<Garbage>(['html', 'bad-json', 'server-error'])('fails plainly on a %s answer', async (garbage) => {
    const server = await startGarbageServer(garbage);
    fakes.push(server);
    const results = await run(
      {
        livekitUrl: server.url,
        livekitApiKey: LK_KEY,
        livekitApiSecret: LK_SECRET,
        llmBaseUrl: `${server.url}/v1`,
        llmKey: LLM_KEY,
        deepgramKey: DG_KEY,
        ttsBaseUrl: `${server.url}/v1`,
        ttsKey: TTS_KEY,
      },
      { production: false, timeoutMs: 2000, deepgramBaseUrl: server.url },
    );
    for (const r of Object.values(results)) expect(r).toMatchObject({ ok: false, notSet: false });
    if (garbage === 'server-error') {
      expect(results.livekit.message).toBe(`LiveKit at ${server.url} answered with an error (HTTP 500)`);
      expect(results.llm.message).toBe(`${new URL(server.url).host} answered with an error (HTTP 500)`);
      expect(results.deepgram.message).toBe('Deepgram answered with an error (HTTP 500)');
      expect(results.speech.message).toBe(`${new URL(server.url).host} answered with an error (HTTP 500)`);
    } else {
      expect(results.livekit.message).toBe(`${server.url} did not answer like a LiveKit server`);
      expect(results.llm.message).toBe(`${server.url}/v1 did not answer like an OpenAI-compatible API`);
      expect(results.deepgram.message).toBe(`${server.url} did not answer like Deepgram's API`);
      expect(results.speech.message).toBe(`${server.url}/v1 did not answer like an OpenAI-compatible speech API`);
    }
  });

  it('says when the connection is refused', async () => {
    const port = await closedPort();
    const results = await run(
      {
        livekitUrl: `ws://127.0.0.1:${port}`,
        livekitApiKey: LK_KEY,
        livekitApiSecret: LK_SECRET,
        llmBaseUrl: `http://127.0.0.1:${port}/v1`,
        llmKey: LLM_KEY,
        deepgramKey: DG_KEY,
        ttsBaseUrl: `http://127.0.0.1:${port}/v1`,
        ttsKey: TTS_KEY,
      },
      { production: false, timeoutMs: 2000, deepgramBaseUrl: `http://127.0.0.1:${port}` },
    );
    expect(results.livekit.message).toBe(`cannot reach ws://127.0.0.1:${port} (connection refused)`);
    expect(results.llm.message).toBe(`cannot reach http://127.0.0.1:${port}/v1 (connection refused)`);
    expect(results.deepgram.message).toBe(`cannot reach http://127.0.0.1:${port} (connection refused)`);
    expect(results.speech.message).toBe(`cannot reach http://127.0.0.1:${port}/v1 (connection refused)`);
  });

  it('refuses internal addresses in production for user URLs, literal or resolved', async () => {
    const resolve = resolverFrom({ 'llm.internal.example': [['10.20.30.40']] });
    const results = await run(
      { livekitUrl: 'wss://169.254.169.254', livekitApiKey: LK_KEY, livekitApiSecret: LK_SECRET, llmBaseUrl: 'https://llm.internal.example/v1', llmKey: LLM_KEY },
      { production: true, timeoutMs: 2000, resolve },
    );
    expect(results.livekit).toMatchObject({ ok: false, notSet: false, message: 'that address is link-local (169.254.169.254) and cannot be used' });
    expect(results.llm).toMatchObject({ ok: false, message: 'llm.internal.example resolves to 10.20.30.40, which is private and cannot be used' });
  });

  it('never echoes a key pasted into a URL field', async () => {
    const results = await testProviderKeys(
      { llmBaseUrl: `https://${LLM_KEY}.example.com/v1`, llmKey: LLM_KEY },
      { production: true, timeoutMs: 2000, resolve: resolverFrom({}) },
    );
    expect(results.llm.message).toBe(`cannot reach https://${REDACTED}.example.com/v1 (the host name was not found)`);
  });
});

describe('LLM presets', () => {
  it('names providers by their host and knows their default models', () => {
    expect(providerName(LLM_PRESETS.groq)).toBe('Groq');
    expect(providerName('https://api.openai.com/v1/')).toBe('OpenAI');
    expect(providerName(LLM_PRESETS.together)).toBe('Together AI');
    expect(providerName(LLM_PRESETS.openrouter)).toBe('OpenRouter');
    expect(providerName('http://localhost:11434/v1')).toBe('localhost:11434');
    expect(defaultModelFor(LLM_PRESETS.openai)).toBe('gpt-4o-mini');
    expect(defaultModelFor(LLM_PRESETS.groq)).toBe('llama-3.3-70b-versatile');
  });
});
