// Input declared in the route chain: validate(Schema) answers a mismatch with the one 400,
// a message per field, before the handler runs; the handler reads the parsed input.

import type { Response } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { inputOf } from '../../server/http/validate.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import type { Client } from '../helpers/client.ts';

let app: TestApp;
let client: Client;

beforeAll(async () => {
  app = await startTestApp();
  client = app.client();
  await client.signInLocally();
});
afterAll(() => app.close());

describe('validate(Schema) in a route chain', () => {
  it('refuses a body that does not fit, naming each field as the schema words it', async () => {
    const reply = await client.api('POST', '/api/interviews', { candidate_name: ' ', job_role: 'Engineer', experience_level: 'wizard', mode: 'text', shoe_size: 42 });
    expect(reply.status).toBe(400);
    expect(reply.json()).toEqual({
      error: 'validation',
      message: 'Some fields need attention.',
      fields: {
        candidate_name: 'Your name is required',
        experience_level: expect.stringMatching(/^must be one of entry, junior, /),
        shoe_size: 'is not a field that can be saved',
      },
    });
  });

  it('parses the query string when told to, with its defaults', async () => {
    const get = (path: string) => client.request('GET', path, { headers: { accept: 'application/json' } });
    const refused = await get('/api/interviews?page=0');
    expect(refused.status).toBe(400);
    expect(refused.json()).toMatchObject({ error: 'validation', fields: { page: expect.any(String) } });
    const listed = await get('/api/interviews?page=2');
    expect(listed.json()).toMatchObject({ interviews: [], page: 2, perPage: 20 });
  });

  it('says its own message above the fields when the route gives one', async () => {
    const reply = await client.api('DELETE', '/api/account', { confirm: 'yes' });
    expect(reply.status).toBe(400);
    expect(reply.json()).toEqual({
      error: 'validation',
      message: 'Account not deleted: the confirmation did not match.',
      fields: { confirm: 'Type "delete my account" to confirm.' },
    });
  });

  it('hands the handler only what it parsed: a route without validate() fails loudly', () => {
    expect(() => inputOf({} as Response, z.object({}))).toThrow(/no validate\(\)/);
  });
});
