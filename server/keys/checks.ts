// The SDKs are imported when a check runs, not at start-up: together they are tens of
// megabytes of the server's memory, and most requests never test keys.
import {
  DEFAULT_DEEPGRAM_BASE_URL,
  DEFAULT_LLM_BASE_URL,
  DEFAULT_TTS_BASE_URL,
  defaultTtsModelFor,
  DEFAULT_TTS_VOICE,
  openAiVoiceKey,
  providerName,
} from '../../shared/providers.ts';
import { guardedFetch, type GuardedFetch } from '../../shared/guarded-fetch.ts';
import { UnsafeUrlError, type Resolver } from '../../shared/net-guard.ts';
import { checkUrlHost, parseUserUrl, runWithFetch, type CheckedUrl, type UrlKind } from './url-guard.ts';
import { ResponseTooLargeError } from '../../shared/response-cap.ts';
import { redactor } from '../../shared/redact.ts';

// "Test my keys": one real, cheap call per provider through its own SDK, each with its own
// timeout, all at once. Every outcome is a plain sentence for the settings page; nothing here
// throws, and no message ever carries a key or secret.

export interface ProviderKeys {
  livekitUrl?: string;
  livekitApiKey?: string;
  livekitApiSecret?: string;
  /** An OpenAI-compatible base URL; OpenAI's when absent. */
  llmBaseUrl?: string;
  llmKey?: string;
  /** The model interviews will ask for: the provider's model list should name it. */
  llmModel?: string;
  deepgramKey?: string;
  /** Self-hosted Deepgram; the server's Deepgram API (CheckOptions.deepgramBaseUrl) when absent. */
  deepgramBaseUrl?: string;
  /** The speech check runs for the OpenAI voice only (the default). */
  ttsProvider?: 'openai' | 'deepgram';
  /** The OpenAI voice's OpenAI-compatible speech server; OpenAI's when absent. */
  ttsBaseUrl?: string;
  ttsModel?: string;
  ttsVoice?: string;
  /** The OpenAI voice's own key; without it the language-model key is used where it can speak. */
  ttsKey?: string;
}

export interface CheckResult {
  ok: boolean;
  /** True when the values needed for the check are missing: nothing was sent. */
  notSet: boolean;
  ms: number;
  message: string;
}

export interface ProviderCheckResults {
  livekit: CheckResult;
  llm: CheckResult;
  deepgram: CheckResult;
  /** The OpenAI voice: one short sentence synthesised. */
  speech: CheckResult;
}

export interface CheckOptions {
  production: boolean;
  /** Per check; 10 s by default. */
  timeoutMs?: number;
  /** The server's Deepgram API (DEEPGRAM_API_URL), for users who gave no Deepgram base URL: a setting, not user input. */
  deepgramBaseUrl?: string;
  /** Host name resolver; the system's by default. */
  resolve?: Resolver;
}

export const DEFAULT_CHECK_TIMEOUT_MS = 10_000;

export async function testProviderKeys(keys: ProviderKeys, options: CheckOptions): Promise<ProviderCheckResults> {
  const k = trimmed(keys);
  const [livekit, llm, deepgram, speech] = await Promise.all([
    checkLiveKit(k, options),
    checkLlm(k, options),
    checkDeepgram(k, options),
    checkSpeech(k, options),
  ]);
  // Belt and braces: the messages are built from fixed text and URLs, but a user who pastes a
  // key into a URL field must not see it echoed back in a message (or a log) either.
  const redact = redactor([k.livekitApiKey, k.livekitApiSecret, k.llmKey, k.deepgramKey, k.ttsKey]);
  const clean = (result: CheckResult): CheckResult => ({ ...result, message: redact(result.message) });
  return { livekit: clean(livekit), llm: clean(llm), deepgram: clean(deepgram), speech: clean(speech) };
}

async function checkLiveKit(keys: ProviderKeys, options: CheckOptions): Promise<CheckResult> {
  const { livekitUrl: url, livekitApiKey: apiKey, livekitApiSecret: secret } = keys;
  if (!url || !apiKey || !secret) {
    const missing = [!url && 'URL', !apiKey && 'API key', !secret && 'API secret'].filter(Boolean);
    return notSet(missing.length === 3 ? 'Not set' : `Missing the LiveKit ${missing.join(' and ')}`);
  }
  const { RoomServiceClient, TwirpError } = await import('livekit-server-sdk');
  return timedCheck(url, options, async (transport, progress) => {
    const { httpUrl } = await checkTarget(url, 'livekit', options, progress, ({ url: parsed }) => parsed.origin);
    const client = new RoomServiceClient(httpUrl.origin, apiKey, secret, {
      requestTimeout: sdkTimeoutSeconds(options),
      failover: false, // region failover would send the request to hosts named by the server
    });
    // The SDK calls the global fetch and has no option for another one.
    const rooms = await runWithFetch(transport, () => client.listRooms());
    return `LiveKit accepted the key and secret (${rooms.length} ${rooms.length === 1 ? 'room' : 'rooms'} active)`;
  }, (err, target) => explainLiveKit(err instanceof TwirpError ? err : undefined, target));
}

function explainLiveKit(err: { status: number; message: string } | undefined, target: string): string {
  if (!err) return `${target} did not answer like a LiveKit server`;
  if (err.status === 401 || err.status === 403) {
    // livekit-server looks the key up before it verifies the signature, and says which failed.
    if (/invalid API key/i.test(err.message)) return 'LiveKit rejected the API key';
    if (/expired|not valid yet/i.test(err.message)) return "LiveKit says the token is expired: check this server's clock";
    if (/invalid token|signature|cryptographic/i.test(err.message)) return 'the LiveKit secret does not match the key';
    return 'LiveKit rejected the API key or secret';
  }
  if (err.status === 404) return `no LiveKit server answers at ${target} (HTTP 404)`;
  return `LiveKit at ${target} answered with an error (HTTP ${err.status})`;
}

async function checkLlm(keys: ProviderKeys, options: CheckOptions): Promise<CheckResult> {
  const { llmKey: apiKey, llmBaseUrl: baseUrl = DEFAULT_LLM_BASE_URL, llmModel: model } = keys;
  if (!apiKey) return notSet('Not set');
  const name = providerName(baseUrl);
  const { default: OpenAI } = await import('openai');
  return timedCheck(baseUrl, options, async (transport, progress) => {
    const { url } = await checkTarget(baseUrl, 'llm', options, progress, shownWithPath);
    const client = openAiClient(OpenAI, apiKey, url, transport, options);
    const { data: page, response } = await client.models.list().withResponse();
    // The SDK returns an empty page for a 200 that is not JSON (an HTML page, say).
    if (!/json/i.test(response.headers.get('content-type') ?? '') || !Array.isArray(page.data)) throw new NotTheApi();
    const count = `${page.data.length} ${page.data.length === 1 ? 'model' : 'models'} available`;
    const offered = modelOffered(page.data, model);
    if (offered === undefined) return `${name} accepted the key (${count})`;
    if (offered) return `${name} accepted the key (${count}, including ${model})`;
    return `${name} accepted the key, but its list of models does not include ${model}: check the model name (${count})`;
  }, (err, target) => {
    if (!(err instanceof OpenAI.APIError) || typeof err.status !== 'number') return `${target} did not answer like an OpenAI-compatible API`;
    if (err.status === 401) return `${name} rejected the key`;
    if (err.status === 403) return `${name} refused this key (HTTP 403)`;
    if (err.status === 404) return `${name} has no model list at ${target}: check the base URL`;
    if (err.status === 429) return `${name} is rate-limiting this key or it has no credit left (HTTP 429)`;
    return `${name} answered with an error (HTTP ${err.status})`;
  });
}

async function checkDeepgram(keys: ProviderKeys, options: CheckOptions): Promise<CheckResult> {
  const { deepgramKey: apiKey, deepgramBaseUrl: userUrl } = keys;
  if (!apiKey) return notSet('Not set');
  const { DeepgramClient, DeepgramError, DeepgramTimeoutError } = await import('@deepgram/sdk');
  return timedCheck(userUrl ?? options.deepgramBaseUrl ?? DEFAULT_DEEPGRAM_BASE_URL, options, async (transport, progress) => {
    // The user's own address is judged like their other URLs; the server's setting is not user input.
    const baseUrl = userUrl
      ? shownWithPath(await checkTarget(userUrl, 'deepgram', options, progress, shownWithPath))
      : (options.deepgramBaseUrl ?? DEFAULT_DEEPGRAM_BASE_URL).replace(/\/+$/, '');
    progress.target = baseUrl;
    const client = new DeepgramClient({
      apiKey,
      baseUrl,
      fetch: transport,
      timeoutInSeconds: sdkTimeoutSeconds(options),
      maxRetries: 0,
    });
    const result = await client.manage.v1.projects.list();
    if (!Array.isArray(result?.projects)) throw new NotTheApi();
    return 'Deepgram accepted the key';
  }, (err, target) => {
    if (err instanceof DeepgramTimeoutError) return `cannot reach ${target} (timed out)`;
    const status = err instanceof DeepgramError ? err.statusCode : undefined;
    if (status === undefined || status < 300) return `${target} did not answer like Deepgram's API`;
    if (status === 401) return 'Deepgram rejected the key';
    if (status === 403) return 'Deepgram refused this key (HTTP 403)';
    if (status === 404) return `no Deepgram API answers at ${target} (HTTP 404): check the Deepgram base URL (without /v1)`;
    return `Deepgram answered with an error (HTTP ${status})`;
  });
}

async function checkSpeech(keys: ProviderKeys, options: CheckOptions): Promise<CheckResult> {
  if (keys.ttsProvider === 'deepgram') return notSet('Not used: the interviewer speaks with the Deepgram voice');
  const { ttsBaseUrl: baseUrl = DEFAULT_TTS_BASE_URL, ttsModel: model = defaultTtsModelFor(keys.ttsBaseUrl), ttsVoice: voice = DEFAULT_TTS_VOICE } = keys;
  const apiKey = openAiVoiceKey({ tts_key: keys.ttsKey, openai_key: keys.llmKey, llm_base_url: keys.llmBaseUrl, tts_base_url: keys.ttsBaseUrl });
  if (!apiKey) {
    if (!keys.llmKey) return notSet('Not set');
    return notSet("OpenAI's speech does not take this language-model key: add a speech key, or the base URL of your own speech server");
  }
  const keyName = keys.ttsKey ? 'the speech key' : 'the language-model key';
  const name = providerName(baseUrl);
  const { default: OpenAI } = await import('openai');
  return timedCheck(baseUrl, options, async (transport, progress) => {
    const { url } = await checkTarget(baseUrl, 'speech', options, progress, shownWithPath);
    const client = openAiClient(OpenAI, apiKey, url, transport, options);
    // One word, in the format interviews ask for (raw PCM): a server that cannot make it fails here, not mid-interview.
    const response = await client.audio.speech.create({ model, voice, input: 'Hi.', response_format: 'pcm' });
    const type = response.headers.get('content-type') ?? '';
    const bytes = (await response.arrayBuffer()).byteLength;
    if (bytes === 0 || /json|html|^text\//i.test(type)) throw new NotTheApi();
    return `${name} accepted ${keyName} and spoke a test word (voice ${voice}, model ${model})`;
  }, (err, target) => {
    if (!(err instanceof OpenAI.APIError) || typeof err.status !== 'number') return `${target} did not answer like an OpenAI-compatible speech API`;
    if (err.status === 401) return `${name} rejected ${keyName}`;
    if (err.status === 403) return `${name} refused ${keyName} (HTTP 403)`;
    if (err.status === 404) return `${name} has no speech at ${target} for the model ${model}: check the speech base URL and model`;
    if (err.status === 400 || err.status === 422) return `${name} refused the request (HTTP ${err.status}): check the speech model and voice`;
    if (err.status === 429) return `${name} is rate-limiting ${keyName} or it has no credit left (HTTP 429)`;
    return `${name} answered with an error (HTTP ${err.status})`;
  });
}

/** An OpenAI client that sends the user's key alone (no organisation or project from this server's environment). */
function openAiClient(OpenAI: typeof import('openai').default, apiKey: string, url: URL, transport: GuardedFetch, options: CheckOptions) {
  return new OpenAI({
    apiKey,
    baseURL: url.href,
    fetch: transport,
    timeout: sdkTimeoutSeconds(options) * 1000,
    maxRetries: 0,
    organization: null,
    project: null,
    logLevel: 'off',
  });
}

/** A base URL as shown in messages and called: origin and path, no trailing slash. */
function shownWithPath({ url }: CheckedUrl): string {
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

/**
 * Whether the provider's list names `model`; undefined when there is nothing to go on (no model,
 * or an empty list, as from providers that list models in another shape). Ollama lists "llama3"
 * as "llama3:latest" and serves it under both names.
 */
function modelOffered(list: { id?: unknown }[], model: string | undefined): boolean | undefined {
  if (!model || list.length === 0) return undefined;
  return list.some(({ id }) => id === model || id === `${model}:latest`);
}

// ---------------------------------------------------------------------------------------------

class NotTheApi extends Error {}

/** How far a check got, for its messages: the address as shown, and whether its host is being looked up. */
interface Progress {
  target: string;
  lookingUp: boolean;
}

type Attempt = (transport: GuardedFetch, progress: Progress) => Promise<string>;
type Explain = (err: unknown, target: string) => string;

const TIMED_OUT = Symbol('timed out');

/**
 * Parses a user's URL and shows it in messages from then on, then judges its host on the check's
 * own clock: a host that cannot be found or is refused fails this provider's check, no other.
 */
async function checkTarget(
  raw: string,
  kind: UrlKind,
  options: CheckOptions,
  progress: Progress,
  shown: (checked: CheckedUrl) => string,
): Promise<CheckedUrl> {
  const checked = parseUserUrl(raw, { kind, production: options.production });
  progress.target = shown(checked);
  progress.lookingUp = true;
  await checkUrlHost(checked.url, { production: options.production, resolve: options.resolve });
  progress.lookingUp = false;
  return checked;
}

/**
 * Runs one check against its own clock. `target` is how the provider's address is shown in
 * messages; the attempt may refine it once the URL is parsed.
 */
async function timedCheck(target: string, options: CheckOptions, attempt: Attempt, explain: Explain): Promise<CheckResult> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_CHECK_TIMEOUT_MS;
  const started = performance.now();
  const controller = new AbortController();
  const transport = guardedFetch({ production: options.production, resolve: options.resolve, signal: controller.signal });
  const progress: Progress = { target: target.slice(0, 200), lookingUp: false };
  let timer: NodeJS.Timeout | undefined;
  const clock = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(() => resolve(TIMED_OUT), timeoutMs);
  });
  let ok = false;
  let message: string;
  try {
    const outcome = await Promise.race([attempt(transport, progress), clock]);
    if (outcome === TIMED_OUT) {
      const what = progress.lookingUp ? 'looking up the host name took longer than' : 'timed out after';
      message = `cannot reach ${progress.target} (${what} ${seconds(timeoutMs)})`;
    } else {
      ok = true;
      message = outcome;
    }
  } catch (err) {
    if (err instanceof UnsafeUrlError) message = unsafeUrlProblem(err, progress.target);
    else if (transport.lastError) message = transportProblem(transport.lastError, progress.target, timeoutMs);
    else message = explain(err, progress.target);
  } finally {
    clearTimeout(timer);
    controller.abort(); // a hung request stops here, not when the provider gives up
  }
  return { ok, notSet: false, ms: Math.round(performance.now() - started), message };
}

const NETWORK_REASONS: [RegExp, string][] = [
  [/^ECONNREFUSED$/, 'connection refused'],
  [/^(ENOTFOUND|EAI_AGAIN|EAI_NONAME)$/, 'the host name was not found'],
  [/^(ECONNRESET|EPIPE|UND_ERR_SOCKET)$/, 'connection closed unexpectedly'],
  [/^(ETIMEDOUT|ENETUNREACH|EHOSTUNREACH|EADDRNOTAVAIL)$/, 'network unreachable'],
  [/CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS/, 'its TLS certificate is not valid'],
  [/^(EPROTO|ERR_SSL_.*)$/, 'it does not speak TLS on that port'],
];

function transportProblem(err: Error, target: string, timeoutMs: number): string {
  for (let e: unknown = err; e instanceof Error; e = e.cause) {
    if (e instanceof UnsafeUrlError) return unsafeUrlProblem(e, target);
    if (e instanceof ResponseTooLargeError) return `${target} sent ${e.message}, far more than this check asks for: check the URL`;
    if (e.name === 'AbortError' || e.name === 'TimeoutError') return `cannot reach ${target} (timed out after ${seconds(timeoutMs)})`;
    const code = (e as NodeJS.ErrnoException).code;
    const reason = code && NETWORK_REASONS.find(([pattern]) => pattern.test(code))?.[1];
    if (reason) return `cannot reach ${target} (${reason})`;
  }
  return `cannot reach ${target}`;
}

/** A refused address says why; a host that was not found is said the way other network failures are. */
function unsafeUrlProblem(err: UnsafeUrlError, target: string): string {
  return err.reason === 'unresolvable' ? `cannot reach ${target} (the host name was not found)` : err.message;
}

function notSet(message: string): CheckResult {
  return { ok: false, notSet: true, ms: 0, message };
}

// A little longer than our own clock, so our timeout (which aborts the request) fires first.
function sdkTimeoutSeconds(options: CheckOptions): number {
  return (options.timeoutMs ?? DEFAULT_CHECK_TIMEOUT_MS) / 1000 + 1;
}

function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(1))} s`;
}

function trimmed(keys: ProviderKeys): ProviderKeys {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(keys) as [keyof ProviderKeys, string | undefined][]) {
    const v = value?.trim();
    if (v) out[name] = v;
  }
  return out as ProviderKeys;
}
