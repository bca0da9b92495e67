// A local fake of the two Supabase Auth (GoTrue) endpoints MockFlow calls:
// POST /auth/v1/token?grant_type=id_token (signInWithIdToken) and
// DELETE /auth/v1/admin/users/:id (admin.deleteUser, service-role key only).
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeSupabaseAuth {
  url: string;
  anonKey: string;
  serviceRoleKey: string;
  /** Google subject → Supabase user id, as GoTrue keeps identities. */
  users: Map<string, { id: string; email?: string }>;
  deleted: string[];
  idTokensSeen: string[];
  /** Answer every request with 503 (Supabase down). */
  down: boolean;
  /** Accept every request and never answer it. */
  hang: boolean;
  /** Requests left hanging whose connection the client has not closed yet. */
  hanging: number;
  close(): Promise<void>;
}

function decodeJwtPayload(token: string): Record<string, unknown> | undefined {
  const part = token.split('.')[1];
  if (!part) return undefined;
  try {
    return JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

export async function startFakeSupabaseAuth(): Promise<FakeSupabaseAuth> {
  const fake = {
    anonKey: 'fake-anon-key',
    serviceRoleKey: 'fake-service-role-key',
    users: new Map(),
    deleted: [],
    idTokensSeen: [],
    down: false,
    hang: false,
    hanging: 0,
  } as Omit<FakeSupabaseAuth, 'url' | 'close'>;

  const server = createServer((req, res) => {
    if (fake.hang) {
      fake.hanging++;
      req.socket.once('close', () => fake.hanging--);
      return;
    }
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      const send = (status: number, json: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(json));
      };
      if (fake.down) return send(503, { code: 503, error_code: 'unavailable', msg: 'Service Unavailable' });
      const url = new URL(req.url ?? '/', 'http://fake');
      const apikey = req.headers.apikey;
      if (req.method === 'POST' && url.pathname === '/auth/v1/token' && url.searchParams.get('grant_type') === 'id_token') {
        if (apikey !== fake.anonKey) return send(401, { code: 401, error_code: 'no_api_key', msg: 'Invalid API key' });
        const { provider, id_token: idToken } = JSON.parse(body || '{}') as { provider?: string; id_token?: string };
        const claims = idToken ? decodeJwtPayload(idToken) : undefined;
        if (provider !== 'google' || !claims || typeof claims.sub !== 'string') {
          return send(400, { code: 400, error_code: 'bad_jwt', msg: 'Bad ID token' });
        }
        fake.idTokensSeen.push(idToken!);
        let user = fake.users.get(claims.sub);
        if (!user) {
          user = { id: randomUUID(), email: claims.email as string | undefined };
          fake.users.set(claims.sub, user);
        }
        return send(200, {
          access_token: 'fake-access-token',
          token_type: 'bearer',
          expires_in: 3600,
          refresh_token: 'fake-refresh-token',
          user: {
            id: user.id,
            aud: 'authenticated',
            role: 'authenticated',
            email: user.email,
            user_metadata: { full_name: claims.name, avatar_url: claims.picture },
            app_metadata: { provider: 'google' },
          },
        });
      }
      const admin = /^\/auth\/v1\/admin\/users\/([0-9a-f-]+)$/.exec(url.pathname);
      if (req.method === 'DELETE' && admin) {
        if (req.headers.authorization !== `Bearer ${fake.serviceRoleKey}`) {
          return send(403, { code: 403, error_code: 'not_admin', msg: 'User not allowed' });
        }
        fake.deleted.push(admin[1]!);
        return send(200, { id: admin[1] });
      }
      send(404, { code: 404, msg: 'Not found' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(fake, {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}
