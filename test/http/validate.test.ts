// Input declared in the route chain: validate(Schema) answers a mismatch with the one 400,
// a message per field, before the handler runs; the handler reads the parsed input.

import type { Response } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { inputOf } from '../../server/http/validate.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { signInLocally, type Agent } from '../helpers/session.ts';

let app: TestApp;
let agent: Agent;
let token: string;

beforeAll(async () => {
  app = await startTestApp();
  ({ agent, token } = await signInLocally(app));
});
afterAll(() => app.close());

describe('validate(Schema) in a route chain', () => {
  it('refuses a body that does not fit, naming each field as the schema words it', async () => {
    const reply = await agent.post('/api/interviews').set('x-csrf-token', token).send({ candidate_name: ' ', job_role: 'Engineer', experience_level: 'wizard', mode: 'text', shoe_size: 42 });
    expect(reply.status).toBe(400);
    expect(reply.body).toEqual({
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
    const refused = await agent.get('/api/interviews?page=0');
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ error: 'validation', fields: { page: expect.any(String) } });
    const listed = await agent.get('/api/interviews?page=2');
    expect(listed.body).toMatchObject({ interviews: [], page: 2, perPage: 20 });
  });

  it('says its own message above the fields when the route gives one', async () => {
    const reply = await agent.delete('/api/account').set('x-csrf-token', token).send({ confirm: 'yes' });
    expect(reply.status).toBe(400);
    expect(reply.body).toEqual({
      error: 'validation',
      message: 'Account not deleted: the confirmation did not match.',
      fields: { confirm: 'Type "delete my account" to confirm.' },
    });
  });

  it('hands the handler only what it parsed: a route without validate() fails loudly', () => {
    expect(() => inputOf({} as Response, z.object({}))).toThrow(/no validate\(\)/);
  });
});
