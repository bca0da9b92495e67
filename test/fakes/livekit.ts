// A local stand-in for LiveKit's Twirp RoomService, enough to check an API key and secret.
//
//   const fake = await startFakeLiveKit({ apiKey: 'APIkey', apiSecret: 'secret' });
//   new RoomServiceClient(fake.url, 'APIkey', 'secret').listRooms();   // → []
//   fake.requests;   // { method, path, outcome } for every request
//   await fake.close();
//
// livekit-server-sdk sends Twirp as JSON: POST /twirp/livekit.RoomService/ListRooms with
// `Authorization: Bearer <JWT>`, the JWT signed HS256 with the secret and issued (`iss`) by the
// API key. Like livekit-server, the fake looks the key up first ("invalid API key: …") and only
// then verifies the signature ("invalid token: …"), so a caller can tell which one is wrong.
// Errors are Twirp JSON ({ code, msg }) with status 401.
//
// Options: hang (accept and never answer), garbage ('html' page with status 200, 'bad-json'
// with a JSON content type, or 'server-error' 500 with a plain-text body).

import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Garbage = 'html' | 'bad-json' | 'server-error';

export interface FakeLiveKitOptions {
  apiKey: string;
  apiSecret: string;
  hang?: boolean;
  garbage?: Garbage;
}

export type LiveKitOutcome = 'ok' | 'no-token' | 'malformed-token' | 'unknown-key' | 'bad-signature' | 'expired' | 'no-grant' | 'not-found';

export interface FakeLiveKit {
  /** http://127.0.0.1:port, what RoomServiceClient is given. */
  url: string;
  /** ws://127.0.0.1:port, what a user would paste as their LiveKit URL. */
  wsUrl: string;
  requests: { method: string; path: string; outcome: LiveKitOutcome }[];
  close(): Promise<void>;
}

const ROUTE = '/twirp/livekit.RoomService/ListRooms';

export async function startFakeLiveKit(options: FakeLiveKitOptions): Promise<FakeLiveKit> {
  const requests: FakeLiveKit['requests'] = [];

  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const path = (req.url ?? '/').split('?')[0] ?? '/';
      const [outcome, message]: [LiveKitOutcome, string] =
        req.method === 'POST' && path === ROUTE ? authorize(req.headers.authorization, options) : ['not-found', 'not found'];
      requests.push({ method: req.method ?? 'GET', path, outcome });
      if (options.hang) return;
      if (options.garbage) return sendGarbage(res, options.garbage);
      if (outcome === 'ok') return sendJson(res, 200, { rooms: [] });
      if (outcome === 'not-found') return sendJson(res, 404, { code: 'bad_route', msg: `no handler for path "${path}"` });
      sendJson(res, 401, { code: 'unauthenticated', msg: message });
    });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function authorize(header: string | undefined, options: FakeLiveKitOptions): [LiveKitOutcome, string] {
  if (!header?.startsWith('Bearer ')) return ['no-token', 'invalid authorization header. Must start with Bearer '];
  const token = header.slice('Bearer '.length);
  const [head, body, signature, ...rest] = token.split('.');
  let claims: { iss?: string; exp?: number; nbf?: number; video?: { roomList?: boolean } };
  try {
    if (head === undefined || body === undefined || signature === undefined || rest.length > 0) throw new Error();
    if (decode(head).alg !== 'HS256') throw new Error();
    claims = decode(body);
  } catch {
    return ['malformed-token', 'invalid authorization token'];
  }
  // The real server echoes the key and even the token in these messages; so does the fake,
  // which lets tests prove the caller never passes them on.
  if (claims.iss !== options.apiKey) return ['unknown-key', `invalid API key: ${claims.iss}`];
  const expected = createHmac('sha256', options.apiSecret).update(`${head}.${body}`).digest();
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return ['bad-signature', `invalid token: ${token}, error: go-jose/go-jose: error in cryptographic primitive`];
  }
  const now = Date.now() / 1000;
  if ((claims.exp ?? 0) < now || (claims.nbf ?? 0) > now + 60) return ['expired', `invalid token: ${token}, error: token is expired`];
  if (claims.video?.roomList !== true) return ['no-grant', 'permissions denied'];
  return ['ok', ''];
}

function decode(part: string) {
  return JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const text = JSON.stringify(value);
  // Exactly this content type: the SDK parses Twirp errors as JSON only when it matches.
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export function sendGarbage(res: ServerResponse, garbage: Garbage): void {
  if (garbage === 'html') {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<!doctype html><html><body><h1>Welcome to nginx!</h1></body></html>');
  } else if (garbage === 'bad-json') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"rooms": [');
  } else {
    res.writeHead(500, { 'content-type': 'text/plain' });
    res.end('upstream connect error or disconnect/reset before headers');
  }
}
