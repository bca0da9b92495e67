import { describe, expect, it } from 'vitest';
import { isSecretKey } from '../../server/logger.ts';
import { captureLogs } from '../helpers/logs.ts';

const parse = (line: string) => JSON.parse(line) as Record<string, unknown>;

describe('log redaction', () => {
  it('censors secrets at the top level and at any depth, and keeps ordinary fields', () => {
    const logs = captureLogs();
    logs.logger.info(
      {
        token: 'SECRET-top-token',
        password: 'SECRET-top-password',
        interviewId: 'iv-123',
        usage: { prompt_tokens: 17, total_tokens: 42 },
        a: { b: { token: 'SECRET-deep-token', label: 'kept-deep-label', c: { d: { e: { apiKey: 'SECRET-deeper-apikey' } } } } },
        keys: { openai_key: 'SECRET-keys-object', livekit_url: 'wss://example.livekit.cloud' },
        providers: [
          { name: 'llm', openai_key: 'SECRET-in-array', llmApiKey: 'SECRET-camel' },
          { name: 'livekit', livekit_api_key: 'SECRET-lk-key', livekit_api_secret: 'SECRET-lk-secret' },
        ],
        request: { headers: { Authorization: 'Bearer SECRET-bearer', cookie: 'sid=SECRET-cookie', 'set-cookie': ['sid=SECRET-set-cookie'], accept: 'text/html' } },
        session: { csrfToken: 'SECRET-csrf', idToken: 'SECRET-id-token', refresh_token: 'SECRET-refresh', client_secret: 'SECRET-client' },
      },
      'provider check',
    );
    const text = logs.text();
    expect(text).not.toContain('SECRET');
    const line = parse(logs.lines[0]!);
    expect(line).toMatchObject({
      msg: 'provider check',
      token: '[redacted]',
      password: '[redacted]',
      interviewId: 'iv-123',
      usage: { prompt_tokens: 17, total_tokens: 42 },
      a: { b: { token: '[redacted]', label: 'kept-deep-label', c: { d: { e: { apiKey: '[redacted]' } } } } },
      keys: '[redacted]',
      providers: [
        { name: 'llm', openai_key: '[redacted]', llmApiKey: '[redacted]' },
        { name: 'livekit', livekit_api_key: '[redacted]', livekit_api_secret: '[redacted]' },
      ],
      request: { headers: { Authorization: '[redacted]', cookie: '[redacted]', 'set-cookie': '[redacted]', accept: 'text/html' } },
    });
  });

  it('censors secrets carried by an error (an HTTP client error with its request config) and keeps its type and message', () => {
    class ProviderError extends Error {
      override name = 'ProviderError';
      config = {
        url: 'https://api.example.com/v1/models',
        headers: { authorization: 'Bearer SECRET-err-bearer', 'x-api-key': 'SECRET-err-x-api-key', accept: 'application/json' },
      };
      status = 401;
    }
    const err = new ProviderError('the provider rejected the key', {
      cause: Object.assign(new Error('inner failure'), { response: { headers: { 'set-cookie': 'SECRET-cause-cookie' } } }),
    });
    const logs = captureLogs();
    logs.logger.error({ err, interviewId: 'iv-9' }, 'key test failed');
    logs.logger.warn({ nested: { err } }, 'again, nested');

    expect(logs.text()).not.toContain('SECRET');
    const [first, second] = logs.lines.map(parse);
    expect(first).toMatchObject({
      interviewId: 'iv-9',
      err: {
        type: 'ProviderError',
        message: expect.stringContaining('the provider rejected the key'),
        stack: expect.stringContaining('ProviderError'),
        status: 401,
        config: {
          url: 'https://api.example.com/v1/models',
          headers: { authorization: '[redacted]', 'x-api-key': '[redacted]', accept: 'application/json' },
        },
      },
    });
    expect(JSON.stringify(second)).toContain('https://api.example.com/v1/models');
    // The logged object itself is not changed.
    expect(err.config.headers.authorization).toBe('Bearer SECRET-err-bearer');
  });

  it('censors objects logged through a child logger, and copes with circular objects', () => {
    const logs = captureLogs();
    const child = logs.logger.child({ component: 'keys' });
    const loop: Record<string, unknown> = { name: 'loop', secret: 'SECRET-in-loop' };
    loop.self = loop;
    child.info({ loop, shared: [loop, loop] }, 'circular');

    expect(logs.text()).not.toContain('SECRET');
    expect(parse(logs.lines[0]!)).toMatchObject({
      component: 'keys',
      loop: { name: 'loop', secret: '[redacted]' },
      shared: [{ name: 'loop', secret: '[redacted]' }, { name: 'loop', secret: '[redacted]' }],
    });
  });

  it('leaves a line with nothing secret as it was', () => {
    const logs = captureLogs();
    const fields = { interviewId: 'iv-1', attempts: 2, stages: ['welcome', 'closing'], meta: { mode: 'text', tokensUsed: 5 } };
    logs.logger.info(fields, 'feedback generated');
    expect(parse(logs.lines[0]!)).toMatchObject({ ...fields, msg: 'feedback generated' });
  });

  it('recognises secret-bearing names and not ordinary ones', () => {
    for (const name of ['token', 'accessToken', 'x-csrf-token', 'Authorization', 'proxy-authorization', 'Cookie', 'set-cookie', 'password', 'apiKey', 'api_key', 'openai_key', 'deepgramKey', 'livekit_api_secret', 'SECRET_KEY', 'ENCRYPTION_KEY', 'keys', 'DATABASE_URL', 'credentials']) {
      expect(isSecretKey(name), name).toBe(true);
    }
    for (const name of ['interviewId', 'userId', 'prompt_tokens', 'livekit_url', 'message', 'status', 'msg', 'provider', 'durationMs']) {
      expect(isSecretKey(name), name).toBe(false);
    }
  });
});
