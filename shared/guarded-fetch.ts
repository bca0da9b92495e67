// The connect-time half of the network guard (see ./net-guard.ts): a fetch whose sockets resolve
// through a lookup that refuses disallowed addresses, so what is checked is what is connected to.

import http from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { pipeline, Readable } from 'node:stream';
import zlib from 'node:zlib';
import { addressProblem, refuseDisallowed, refusedLiteral, resolveOrExplain, systemResolve, UnsafeUrlError, type Resolver } from './net-guard.ts';
import { capResponseBytes, ResponseTooLargeError, USER_URL_MAX_RESPONSE_BYTES } from './response-cap.ts';

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
  /** Reuse connections (already checked when they were opened) across requests; off by default. */
  keepAlive?: boolean;
  /** Decoded bytes a response body may have (USER_URL_MAX_RESPONSE_BYTES by default). */
  maxResponseBytes?: number;
}

/** A fetch whose connections go through guardedLookup; remembers its last transport failure. */
export interface GuardedFetch {
  (input: RequestInfo | URL, init?: RequestInit): Promise<Response>;
  /** The error the last failed request (or response body) failed with, before any SDK wrapped it. */
  lastError: Error | undefined;
}

/**
 * A fetch-compatible function over node:http/https with guarded agents. It does not follow
 * redirects (an API answering 3xx is reported as such) and buffers request bodies, which is
 * fine for the small API calls made through it.
 */
export function guardedFetch(options: GuardedFetchOptions): GuardedFetch {
  const lookup = guardedLookup(options.production, options.resolve);
  const keepAlive = options.keepAlive ?? false;
  const maxBytes = options.maxResponseBytes ?? USER_URL_MAX_RESPONSE_BYTES;
  const agents = { 'http:': new http.Agent({ lookup, keepAlive }), 'https:': new https.Agent({ lookup, keepAlive }) };

  const fetchImpl = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    try {
      return await send(new Request(input, init));
    } catch (err) {
      fetchImpl.lastError = err instanceof Error ? err : new Error(String(err));
      throw err;
    }
  };
  fetchImpl.lastError = undefined as Error | undefined;
  // An SDK reading the body sees the error too, but may wrap it or say only that parsing failed.
  const remember = (err: Error) => (fetchImpl.lastError = err);

  async function send(request: Request): Promise<Response> {
    const url = new URL(request.url);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError(`unsupported protocol ${url.protocol}`);
    const host = url.hostname.replace(/^\[|\]$/g, '');
    if (isIP(host)) {
      const problem = addressProblem(host, options.production);
      if (problem) throw refusedLiteral(host, problem);
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
          resolve(toResponse(res, request.method, maxBytes, remember));
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

function toResponse(res: http.IncomingMessage, method: string, maxBytes: number, remember: (err: Error) => void): Response {
  const headers = new Headers();
  for (const [name, value] of Object.entries(res.headers)) {
    for (const v of Array.isArray(value) ? value : value === undefined ? [] : [value]) headers.append(name, v);
  }
  const status = res.statusCode ?? 0;
  const noBody = method === 'HEAD' || status === 204 || status === 205 || status === 304;
  if (noBody) {
    res.resume();
    return new Response(null, { status, statusText: res.statusMessage ?? '', headers });
  }
  // We ask for no compression, but a proxy in front of a provider may compress anyway.
  const decoder = DECODERS[headers.get('content-encoding')?.trim().toLowerCase() ?? '']?.();
  if (decoder) {
    headers.delete('content-encoding');
    headers.delete('content-length');
  } else if (Number(headers.get('content-length')) > maxBytes) {
    throw remember(new ResponseTooLargeError(maxBytes));
  }
  const capped = capResponseBytes(maxBytes, remember);
  // An error anywhere (the connection, the decoder, the cap) ends up on `capped`, and so with the reader.
  pipeline([res, ...(decoder ? [decoder] : []), capped], () => {});
  return new Response(webStream(capped), {
    status,
    statusText: res.statusMessage ?? '',
    headers,
  });
}

/**
 * The body as a web stream, pulled chunk by chunk. Not Readable.toWeb: on Node 20 a reader that
 * cancels early (the SDKs do) makes its adapter enqueue into a closed controller, which throws
 * outside any promise and kills the process.
 */
function webStream(body: Readable): ReadableStream<Uint8Array> {
  const chunks = body[Symbol.asyncIterator]();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { value, done } = await chunks.next();
        if (done) controller.close();
        else controller.enqueue(new Uint8Array(value as Buffer));
      } catch (error) {
        controller.error(error);
      }
    },
    async cancel() {
      await chunks.return?.();
      body.destroy();
    },
  });
}
