import { AsyncLocalStorage } from 'node:async_hooks';
import { promises as dns, type LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { Readable } from 'node:stream';
import zlib from 'node:zlib';

// Users give us URLs (their LiveKit server, their LLM's base URL) that the server then calls
// with their keys. Without a guard that is a server-side request forgery hole: a URL naming
// 169.254.169.254 or 10.0.0.5 would make this server probe its own network. Every address is
// judged twice: when the URL is checked, and again by the lookup the socket actually connects
// with, so a DNS answer that changes in between (rebinding) is still refused.

export type UrlKind = 'livekit' | 'llm';

export type UnsafeUrlReason = 'malformed' | 'scheme' | 'credentials' | 'address' | 'unresolvable';

export class UnsafeUrlError extends Error {
  constructor(
    readonly reason: UnsafeUrlReason,
    message: string,
  ) {
    super(message);
    this.name = 'UnsafeUrlError';
  }
}

/** Resolves a host name to every address it has (dns.lookup with all: true by default). */
export type Resolver = (hostname: string) => Promise<LookupAddress[]>;

const systemResolve: Resolver = (hostname) => dns.lookup(hostname, { all: true });

// ---------------------------------------------------------------------------------------------
// Address classification

type Range = [base: bigint, bits: number, label: string];
type RangeText = [base: string, bits: number, label: string];

// Ranges no user-supplied provider URL may point at. Order matters only for the label.
const V4_RANGES: Range[] = ([
  ['255.255.255.255', 32, 'broadcast'],
  ['0.0.0.0', 8, 'unspecified'],
  ['10.0.0.0', 8, 'private'],
  ['100.64.0.0', 10, 'carrier-grade NAT'],
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.0.0', 16, 'link-local'],
  ['172.16.0.0', 12, 'private'],
  ['192.0.0.0', 24, 'reserved'],
  ['192.0.2.0', 24, 'reserved for documentation'],
  ['192.88.99.0', 24, 'reserved'],
  ['192.168.0.0', 16, 'private'],
  ['198.18.0.0', 15, 'reserved for benchmarking'],
  ['198.51.100.0', 24, 'reserved for documentation'],
  ['203.0.113.0', 24, 'reserved for documentation'],
  ['224.0.0.0', 4, 'multicast'],
  ['240.0.0.0', 4, 'reserved'],
] satisfies RangeText[]).map(([ip, bits, label]): Range => [v4ToBigInt(ip), bits, label]);

const V6_RANGES: Range[] = ([
  ['::', 128, 'unspecified'],
  ['::1', 128, 'loopback'],
  ['::', 96, 'reserved'], // IPv4-compatible, deprecated
  ['64:ff9b:1::', 48, 'private'], // local-use NAT64
  ['100::', 64, 'reserved'], // discard-only
  ['2001::', 23, 'reserved'], // IETF protocol assignments, Teredo, benchmarking
  ['2001:db8::', 32, 'reserved for documentation'],
  ['3fff::', 20, 'reserved for documentation'],
  ['fc00::', 7, 'private'],
  ['fe80::', 10, 'link-local'],
  ['fec0::', 10, 'private'], // deprecated site-local
  ['ff00::', 8, 'multicast'],
] satisfies RangeText[]).map(([ip, bits, label]): Range => [v6ToBigInt(ip), bits, label]);

// IPv6 prefixes that carry an IPv4 address, judged as that IPv4 address.
const V4_MAPPED = v6ToBigInt('::ffff:0:0');
const NAT64 = v6ToBigInt('64:ff9b::');
const SIX_TO_FOUR = v6ToBigInt('2002::');

/**
 * What kind of non-public address `ip` is ('private', 'loopback', 'link-local', …), or null
 * when it is an ordinary public address. Throws on something that is not an IP address.
 */
export function classifyAddress(ip: string): string | null {
  const address = ip.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  const family = isIP(address);
  if (family === 4) return match(v4ToBigInt(address), 32, V4_RANGES);
  if (family !== 6) throw new TypeError(`not an IP address: ${ip}`);
  const n = v6ToBigInt(address);
  if (inPrefix(n, 128, V4_MAPPED, 96) || inPrefix(n, 128, NAT64, 96)) {
    return match(n & 0xffffffffn, 32, V4_RANGES);
  }
  if (inPrefix(n, 128, SIX_TO_FOUR, 16)) return match((n >> 80n) & 0xffffffffn, 32, V4_RANGES);
  return match(n, 128, V6_RANGES);
}

/** Loopback is allowed outside production so a local LiveKit or model server works. */
export function addressProblem(ip: string, production: boolean): string | null {
  const kind = classifyAddress(ip);
  if (kind === 'loopback' && !production) return null;
  return kind;
}

function match(n: bigint, width: number, ranges: Range[]): string | null {
  for (const [base, bits, label] of ranges) if (inPrefix(n, width, base, bits)) return label;
  return null;
}

function inPrefix(n: bigint, width: number, base: bigint, bits: number): boolean {
  const shift = BigInt(width - bits);
  return n >> shift === base >> shift;
}

function v4ToBigInt(ip: string): bigint {
  return ip.split('.').reduce((acc, part) => (acc << 8n) | BigInt(Number(part)), 0n);
}

function v6ToBigInt(ip: string): bigint {
  let text = ip;
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const v4 = v4ToBigInt(dotted[1]!);
    text = `${text.slice(0, dotted.index)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = tail === undefined ? left : [...left, ...Array(8 - left.length - right.length).fill('0'), ...right];
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n);
}

// ---------------------------------------------------------------------------------------------
// URL checks

const LABEL: Record<UrlKind, string> = { livekit: 'LiveKit URL', llm: 'LLM base URL' };

function allowedSchemes(kind: UrlKind, production: boolean): string[] {
  if (kind === 'livekit') return production ? ['wss:', 'https:'] : ['wss:', 'https:', 'ws:', 'http:'];
  return production ? ['https:'] : ['https:', 'http:'];
}

export interface CheckUrlOptions {
  kind: UrlKind;
  production: boolean;
  /** Defaults to the system resolver (dns.lookup); tests inject their own. */
  resolve?: Resolver;
}

export interface CheckedUrl {
  /** The URL as the user gave it, parsed and normalised. */
  url: URL;
  /** Where HTTP calls go: https:// for wss://, http:// for ws://, otherwise the URL itself. */
  httpUrl: URL;
}

/**
 * Checks a user-supplied URL before anything is sent to it: scheme, no embedded credentials,
 * and every address the host resolves to. Throws UnsafeUrlError with a message fit for the user.
 */
export async function checkUserUrl(raw: string, options: CheckUrlOptions): Promise<CheckedUrl> {
  const label = LABEL[options.kind];
  const schemes = allowedSchemes(options.kind, options.production);
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new UnsafeUrlError('malformed', `${label} is not a valid URL`);
  }
  if (!schemes.includes(url.protocol)) {
    const list = schemes.map((s) => `${s}//`);
    const spelled = list.length === 1 ? list[0] : `${list.slice(0, -1).join(', ')} or ${list.at(-1)}`;
    throw new UnsafeUrlError('scheme', `${label} must start with ${spelled}`);
  }
  if (url.username !== '' || url.password !== '') {
    throw new UnsafeUrlError('credentials', `${label} must not contain a user name or password`);
  }
  if (url.search !== '' || url.hash !== '') {
    throw new UnsafeUrlError('malformed', `${label} must not contain ? or #`);
  }
  await assertHostAllowed(url.hostname, options.production, options.resolve ?? systemResolve);
  const httpUrl = new URL(url.href);
  if (url.protocol === 'wss:' || url.protocol === 'ws:') httpUrl.protocol = url.protocol === 'wss:' ? 'https:' : 'http:';
  return { url, httpUrl };
}

async function assertHostAllowed(hostname: string, production: boolean, resolve: Resolver): Promise<void> {
  const host = hostname.replace(/^\[|\]$/g, '');
  if (isIP(host)) {
    const problem = addressProblem(host, production);
    if (problem) throw new UnsafeUrlError('address', `that address is ${problem} (${host}) and cannot be used`);
    return;
  }
  const addresses = await resolveOrExplain(host, resolve);
  refuseDisallowed(host, addresses, production);
}

async function resolveOrExplain(host: string, resolve: Resolver): Promise<LookupAddress[]> {
  let addresses: LookupAddress[];
  try {
    addresses = await resolve(host);
  } catch {
    throw new UnsafeUrlError('unresolvable', `cannot find the host ${host}`);
  }
  if (addresses.length === 0) throw new UnsafeUrlError('unresolvable', `cannot find the host ${host}`);
  return addresses;
}

// One bad address is enough to refuse: a name that mixes public and private answers is either
// misconfigured or an attempt to get lucky with the connection order.
function refuseDisallowed(host: string, addresses: LookupAddress[], production: boolean): void {
  for (const { address } of addresses) {
    const problem = addressProblem(address, production);
    if (problem) {
      throw new UnsafeUrlError('address', `${host} resolves to ${address}, which is ${problem} and cannot be used`);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Connect-time guard

/**
 * A `lookup` for net/http/https agents that resolves with `resolve` and refuses the connection
 * when any address is disallowed. Node skips `lookup` for IP literals, so guardedFetch checks
 * those itself.
 */
export function guardedLookup(production: boolean, resolve: Resolver = systemResolve): LookupFunction {
  return (hostname, options, callback) => {
    const family = options.family === 'IPv4' ? 4 : options.family === 'IPv6' ? 6 : options.family;
    const pick = async () => {
      const all = await resolveOrExplain(hostname, resolve);
      refuseDisallowed(hostname, all, production);
      const wanted = family ? all.filter((a) => a.family === family) : all;
      if (wanted.length === 0) throw new UnsafeUrlError('unresolvable', `cannot find the host ${hostname}`);
      return wanted;
    };
    pick().then(
      (wanted) => (options.all ? callback(null, wanted) : callback(null, wanted[0]!.address, wanted[0]!.family)),
      (err: Error) => callback(err, ''),
    );
  };
}

export interface GuardedFetchOptions {
  production: boolean;
  resolve?: Resolver;
  /** Aborts every request made through this fetch (a check's own timeout). */
  signal?: AbortSignal;
}

/** A fetch whose connections go through guardedLookup; remembers its last transport failure. */
export interface GuardedFetch {
  (input: RequestInfo | URL, init?: RequestInit): Promise<Response>;
  /** The error the last failed request failed with, before any SDK wrapped it. */
  lastError: Error | undefined;
}

/**
 * A fetch-compatible function over node:http/https with guarded agents. It does not follow
 * redirects (an API answering 3xx is reported as such) and buffers request bodies, which is
 * fine for the small API calls made through it.
 */
export function guardedFetch(options: GuardedFetchOptions): GuardedFetch {
  const lookup = guardedLookup(options.production, options.resolve);
  const agents = { 'http:': new http.Agent({ lookup }), 'https:': new https.Agent({ lookup }) };

  const fetchImpl = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    try {
      return await send(new Request(input, init));
    } catch (err) {
      fetchImpl.lastError = err instanceof Error ? err : new Error(String(err));
      throw err;
    }
  };
  fetchImpl.lastError = undefined as Error | undefined;

  async function send(request: Request): Promise<Response> {
    const url = new URL(request.url);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError(`unsupported protocol ${url.protocol}`);
    const host = url.hostname.replace(/^\[|\]$/g, '');
    if (isIP(host)) {
      const problem = addressProblem(host, options.production);
      if (problem) throw new UnsafeUrlError('address', `that address is ${problem} (${host}) and cannot be used`);
    }
    const signals = [request.signal, options.signal].filter((s): s is AbortSignal => s !== undefined);
    const signal = AbortSignal.any(signals);
    signal.throwIfAborted();
    const body = request.body ? Buffer.from(await request.arrayBuffer()) : undefined;
    const headers: Record<string, string> = {};
    request.headers.forEach((value, name) => {
      if (name !== 'accept-encoding') headers[name] = value;
    });
    if (body) headers['content-length'] = String(body.length);

    return new Promise<Response>((resolve, reject) => {
      const client = url.protocol === 'https:' ? https : http;
      const req = client.request(url, { method: request.method, headers, agent: agents[url.protocol as 'http:' | 'https:'], signal }, (res) => {
        try {
          resolve(toResponse(res, request.method));
        } catch (err) {
          res.destroy();
          reject(err);
        }
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  return fetchImpl;
}

const DECODERS: Record<string, () => zlib.Gunzip | zlib.Inflate | zlib.BrotliDecompress> = {
  gzip: zlib.createGunzip,
  'x-gzip': zlib.createGunzip,
  deflate: zlib.createInflate,
  br: zlib.createBrotliDecompress,
};

function toResponse(res: http.IncomingMessage, method: string): Response {
  const headers = new Headers();
  for (const [name, value] of Object.entries(res.headers)) {
    for (const v of Array.isArray(value) ? value : value === undefined ? [] : [value]) headers.append(name, v);
  }
  const status = res.statusCode ?? 0;
  let stream: Readable = res;
  // We ask for no compression, but a proxy in front of a provider may compress anyway.
  const decoder = DECODERS[headers.get('content-encoding')?.trim().toLowerCase() ?? '']?.();
  if (decoder) {
    stream = res.pipe(decoder);
    res.on('error', (err) => decoder.destroy(err));
    headers.delete('content-encoding');
    headers.delete('content-length');
  }
  const noBody = method === 'HEAD' || status === 204 || status === 205 || status === 304;
  if (noBody) res.resume();
  return new Response(noBody ? null : (Readable.toWeb(stream) as ReadableStream<Uint8Array>), {
    status,
    statusText: res.statusMessage ?? '',
    headers,
  });
}

// Some SDKs (livekit-server-sdk) call the global fetch and take no fetch option. This swaps the
// global fetch for one async context only: calls made inside `fn`, and only those, use `fetchImpl`.
const scopedFetch = new AsyncLocalStorage<GuardedFetch>();
let originalFetch: typeof fetch | undefined;
const dispatchingFetch: typeof fetch = (input, init) => (scopedFetch.getStore() ?? originalFetch!)(input, init);

export function runWithFetch<T>(fetchImpl: GuardedFetch, fn: () => Promise<T>): Promise<T> {
  if (originalFetch === undefined) {
    originalFetch = globalThis.fetch;
    globalThis.fetch = dispatchingFetch;
  }
  // Fail closed rather than let a request out unguarded if someone replaced fetch since.
  if (globalThis.fetch !== dispatchingFetch) {
    return Promise.reject(new Error('the global fetch was replaced, so this request cannot be guarded'));
  }
  return scopedFetch.run(fetchImpl, fn);
}
