// The three SDKs are imported when a check runs, not at start-up: together they are tens of
// megabytes of the server's memory, and most requests never test keys.
import { DEFAULT_LLM_BASE_URL, providerName } from './providers.ts';
import { checkUserUrl, guardedFetch, runWithFetch, UnsafeUrlError, type GuardedFetch, type Resolver } from './url-guard.ts';

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
  deepgramKey?: string;
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
}

export interface CheckOptions {
  production: boolean;
  /** Per check; 10 s by default. */
  timeoutMs?: number;
  /** Deepgram's API; only tests change it (it is not user input). */
  deepgramBaseUrl?: string;
  /** Host name resolver; the system's by default. */
  resolve?: Resolver;
}

export const DEFAULT_CHECK_TIMEOUT_MS = 10_000;
export const DEFAULT_DEEPGRAM_BASE_URL = 'https://api.deepgram.com';

export async function testProviderKeys(keys: ProviderKeys, options: CheckOptions): Promise<ProviderCheckResults> {
  const k = trimmed(keys);
  const [livekit, llm, deepgram] = await Promise.all([checkLiveKit(k, options), checkLlm(k, options), checkDeepgram(k, options)]);
  const secrets = [k.livekitApiKey, k.livekitApiSecret, k.llmKey, k.deepgramKey];
  return { livekit: redact(livekit, secrets), llm: redact(llm, secrets), deepgram: redact(deepgram, secrets) };
}

async function checkLiveKit(keys: ProviderKeys, options: CheckOptions): Promise<CheckResult> {
  const { livekitUrl: url, livekitApiKey: apiKey, livekitApiSecret: secret } = keys;
  if (!url || !apiKey || !secret) {
    const missing = [!url && 'URL', !apiKey && 'API key', !secret && 'API secret'].filter(Boolean);
    return notSet(missing.length === 3 ? 'Not set' : `Missing the LiveKit ${missing.join(' and ')}`);
  }
  const { RoomServiceClient, TwirpError } = await import('livekit-server-sdk');
  return timedCheck(url, options, async (transport, shown) => {
    const { url: parsed, httpUrl } = await checkUserUrl(url, { kind: 'livekit', production: options.production, resolve: options.resolve });
    shown(parsed.origin);
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
  const { llmKey: apiKey, llmBaseUrl: baseUrl = DEFAULT_LLM_BASE_URL } = keys;
  if (!apiKey) return notSet('Not set');
  const name = providerName(baseUrl);
  const { default: OpenAI } = await import('openai');
  return timedCheck(baseUrl, options, async (transport, shown) => {
    const { url } = await checkUserUrl(baseUrl, { kind: 'llm', production: options.production, resolve: options.resolve });
    shown(`${url.origin}${url.pathname.replace(/\/+$/, '')}`);
    const client = new OpenAI({
      apiKey,
      baseURL: url.href,
      fetch: transport,
      timeout: sdkTimeoutSeconds(options) * 1000,
      maxRetries: 0,
      // Not from this server's environment: the user's key goes alone.
      organization: null,
      project: null,
      logLevel: 'off',
    });
    const { data: page, response } = await client.models.list().withResponse();
    // The SDK returns an empty page for a 200 that is not JSON (an HTML page, say).
    if (!/json/i.test(response.headers.get('content-type') ?? '') || !Array.isArray(page.data)) throw new NotTheApi();
    return `${name} accepted the key (${page.data.length} ${page.data.length === 1 ? 'model' : 'models'} available)`;
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
  const apiKey = keys.deepgramKey;
  if (!apiKey) return notSet('Not set');
  const baseUrl = (options.deepgramBaseUrl ?? DEFAULT_DEEPGRAM_BASE_URL).replace(/\/+$/, '');
  const { DeepgramClient, DeepgramError, DeepgramTimeoutError } = await import('@deepgram/sdk');
  return timedCheck(baseUrl, options, async (transport) => {
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
    return `Deepgram answered with an error (HTTP ${status})`;
  });
}

// ---------------------------------------------------------------------------------------------

class NotTheApi extends Error {}

type Attempt = (transport: GuardedFetch, shown: (target: string) => void) => Promise<string>;
type Explain = (err: unknown, target: string) => string;

const TIMED_OUT = Symbol('timed out');

/**
 * Runs one check against its own clock. `target` is how the provider's address is shown in
 * messages; the attempt may refine it once the URL is parsed.
 */
async function timedCheck(target: string, options: CheckOptions, attempt: Attempt, explain: Explain): Promise<CheckResult> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_CHECK_TIMEOUT_MS;
  const started = performance.now();
  const controller = new AbortController();
  const transport = guardedFetch({ production: options.production, resolve: options.resolve, signal: controller.signal });
  let shownTarget = target.slice(0, 200);
  let timer: NodeJS.Timeout | undefined;
  const clock = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(() => resolve(TIMED_OUT), timeoutMs);
  });
  let ok = false;
  let message: string;
  try {
    const outcome = await Promise.race([attempt(transport, (t) => (shownTarget = t)), clock]);
    if (outcome === TIMED_OUT) {
      message = `cannot reach ${shownTarget} (timed out after ${seconds(timeoutMs)})`;
    } else {
      ok = true;
      message = outcome;
    }
  } catch (err) {
    if (err instanceof UnsafeUrlError) message = err.message;
    else if (transport.lastError) message = transportProblem(transport.lastError, shownTarget, timeoutMs);
    else message = explain(err, shownTarget);
  } finally {
    clearTimeout(timer);
    controller.abort(); // a hung request stops here, not when the provider gives up
  }
  return { ok, notSet: false, ms: Math.round(performance.now() - started), message };
}

const NETWORK_REASONS: [RegExp, string][] = [
  [/^ECONNREFUSED$/, 'connection refused'],
  [/^(ENOTFOUND|EAI_AGAIN|EAI_NONAME)$/, 'host not found'],
  [/^(ECONNRESET|EPIPE|UND_ERR_SOCKET)$/, 'connection closed unexpectedly'],
  [/^(ETIMEDOUT|ENETUNREACH|EHOSTUNREACH|EADDRNOTAVAIL)$/, 'network unreachable'],
  [/CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS/, 'its TLS certificate is not valid'],
  [/^(EPROTO|ERR_SSL_.*)$/, 'it does not speak TLS on that port'],
];

function transportProblem(err: Error, target: string, timeoutMs: number): string {
  for (let e: unknown = err; e instanceof Error; e = e.cause) {
    if (e instanceof UnsafeUrlError) return e.message;
    if (e.name === 'AbortError' || e.name === 'TimeoutError') return `cannot reach ${target} (timed out after ${seconds(timeoutMs)})`;
    const code = (e as NodeJS.ErrnoException).code;
    const reason = code && NETWORK_REASONS.find(([pattern]) => pattern.test(code))?.[1];
    if (reason) return `cannot reach ${target} (${reason})`;
  }
  return `cannot reach ${target}`;
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
  const out: ProviderKeys = {};
  for (const [name, value] of Object.entries(keys) as [keyof ProviderKeys, string | undefined][]) {
    const v = value?.trim();
    if (v) out[name] = v;
  }
  return out;
}

// Belt and braces: the messages are built from fixed text and URLs, but a user who pastes a
// key into a URL field must not see it echoed back in a message (or a log) either.
function redact(result: CheckResult, secrets: (string | undefined)[]): CheckResult {
  let message = result.message;
  for (const secret of secrets) {
    if (secret && secret.length >= 6) message = message.split(secret).join('[hidden]');
  }
  return { ...result, message };
}
