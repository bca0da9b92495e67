// A local Google-like OpenID Connect provider for the sign-in code flow, built on
// oauth2-mock-server: /authorize redirects straight back with a code (the "consent"),
// /token returns an access token and a signed ID token, /userinfo returns the profile.
import { OAuth2Server } from 'oauth2-mock-server';

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
  /** Bodies posted to the token endpoint. */
  tokenRequests: Record<string, string>[];
  close(): Promise<void>;
}

export async function startFakeGoogle(user: FakeGoogleUser): Promise<FakeGoogle> {
  const server = new OAuth2Server();
  await server.issuer.keys.generate('RS256');
  await server.start(0, '127.0.0.1');
  const issuer = server.issuer.url!;
  const fake: FakeGoogle = {
    issuer,
    authorizationUrl: `${issuer}/authorize`,
    tokenUrl: `${issuer}/token`,
    userInfoUrl: `${issuer}/userinfo`,
    user,
    tokenRequests: [],
    close: () => server.stop(),
  };
  server.service.on('beforeTokenSigning', (token) => {
    Object.assign(token.payload, { sub: fake.user.sub, email: fake.user.email, email_verified: true, name: fake.user.name, picture: fake.user.picture });
  });
  server.service.on('beforeResponse', (response, req) => {
    if (req.url?.startsWith('/token')) {
      fake.tokenRequests.push({ ...(req.body as Record<string, string>) });
      if (fake.failTokenWith) {
        response.statusCode = fake.failTokenWith;
        response.body = { error: 'server_error', error_description: 'the fake token endpoint was told to fail' };
      }
    }
  });
  server.service.on('beforeUserinfo', (response) => {
    response.body = { sub: fake.user.sub, email: fake.user.email, email_verified: true, name: fake.user.name, picture: fake.user.picture };
  });
  return fake;
}
