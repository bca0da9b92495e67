// A local stand-in for Deepgram's management API: GET /v1/projects, enough to check a key.
//
//   const fake = await startFakeDeepgram({ apiKey: 'dg-key' });
//   new DeepgramClient({ apiKey: 'dg-key', baseUrl: fake.url }).manage.v1.projects.list();
//   fake.requests;   // { method, path, authorized } for every request
//   await fake.close();
//
// Deepgram authenticates API keys with `Authorization: Token <key>`; anything else gets 401 with
// Deepgram's error JSON ({ err_code, err_msg, request_id }).
// Options: hang (accept and never answer), garbage ('html', 'bad-json', 'server-error').

import { randomUUID } from 'node:crypto';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sendGarbage, type Garbage } from './livekit.ts';

export interface FakeDeepgramOptions {
  apiKey: string;
  hang?: boolean;
  garbage?: Garbage;
}

export interface FakeDeepgram {
  /** http://127.0.0.1:port, the base URL (no /v1). */
  url: string;
  requests: { method: string; path: string; authorized: boolean }[];
  close(): Promise<void>;
}

export async function startFakeDeepgram(options: FakeDeepgramOptions): Promise<FakeDeepgram> {
  const requests: FakeDeepgram['requests'] = [];

  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const path = (req.url ?? '/').split('?')[0] ?? '/';
      const authorized = req.headers.authorization === `Token ${options.apiKey}`;
      requests.push({ method: req.method ?? 'GET', path, authorized });
      if (options.hang) return;
      if (options.garbage) return sendGarbage(res, options.garbage);
      if (!authorized) return sendJson(res, 401, { err_code: 'INVALID_AUTH', err_msg: 'Invalid credentials.', request_id: randomUUID() });
      if (req.method === 'GET' && path === '/v1/projects') {
        return sendJson(res, 200, { projects: [{ project_id: '3f1b6a52-0000-4000-8000-000000000001', name: 'Fake project' }] });
      }
      sendJson(res, 404, { err_code: 'NOT_FOUND', err_msg: 'Not found.', request_id: randomUUID() });
    });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const text = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
