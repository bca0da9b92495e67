// A local Google-like OpenID Connect provider for the sign-in code flow, built on
// oauth2-mock-server: /authorize redirects straight back with a code (the "consent"),
// /token returns an access token and a signed ID token, /userinfo returns the profile.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { OAuth2Issuer, OAuth2Service } from 'oauth2-mock-server';

export interface FakeGoogleUser {
  sub: string;
  email: string;
  name: string;
  picture?: string;
}

export interface FakeGoogle {
  issuer: string;
  authorizationUrl: string;
  tokenUrl: string;
  userInfoUrl: string;
  /** Who "consents" next. */
  user: FakeGoogleUser;
  /** Make the token endpoint fail with this HTTP status (undefined: work normally). */
  failTokenWith?: number;
  /** Accept requests to this endpoint and never answer them (undefined: answer). */
  hang?: 'token' | 'userinfo';
  /** Requests left hanging whose connection the client has not closed yet. */
  hanging: number;
  /** Bodies posted to the token endpoint. */
  tokenRequests: Record<string, string>[];
  close(): Promise<void>;
}

export async function startFakeGoogle(user: FakeGoogleUser): Promise<FakeGoogle> {
  const issuer = new OAuth2Issuer();
  await issuer.keys.generate('RS256');
  const service = new OAuth2Service(issuer);
  // Our own server in front of the service, so that a request can be left unanswered.
  const server = createServer((req, res) => {
    const endpoint = req.url?.startsWith('/token') ? 'token' : req.url?.startsWith('/userinfo') ? 'userinfo' : undefined;
    if (endpoint && fake.hang === endpoint) {
      fake.hanging++;
      req.socket.once('close', () => fake.hanging--);
      return;
    }
    service.requestHandler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  issuer.url = url;
  const fake: FakeGoogle = {
    issuer: url,
    authorizationUrl: `${url}/authorize`,
    tokenUrl: `${url}/token`,
    userInfoUrl: `${url}/userinfo`,
    user,
    hanging: 0,
    tokenRequests: [],
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  service.on('beforeTokenSigning', (token) => {
    Object.assign(token.payload, { sub: fake.user.sub, email: fake.user.email, email_verified: true, name: fake.user.name, picture: fake.user.picture });
  });
  service.on('beforeResponse', (response, req) => {
    if (req.url?.startsWith('/token')) {
      fake.tokenRequests.push({ ...(req.body as Record<string, string>) });
      if (fake.failTokenWith) {
        response.statusCode = fake.failTokenWith;
        response.body = { error: 'server_error', error_description: 'the fake token endpoint was told to fail' };
      }
    }
  });
  service.on('beforeUserinfo', (response) => {
    response.body = { sub: fake.user.sub, email: fake.user.email, email_verified: true, name: fake.user.name, picture: fake.user.picture };
  });
  return fake;
}
