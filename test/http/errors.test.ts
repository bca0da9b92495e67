// One way to make an error: the constructors in server/http/errors.ts, turned into HTTP by the
// one error handler.

import { readdir, readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import express from 'express';
import { describe, expect, it } from 'vitest';
import { errorHandler } from '../../server/http/error-handler.ts';
import { capacity, HttpError, isHttpError, notFound, unavailable, upstream, validation } from '../../server/http/errors.ts';

async function sourcesIn(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true });
  return entries.filter((name) => name.endsWith('.ts')).map((name) => join(dir, name));
}

describe('errors', () => {
  it('are made only in server/http/errors.ts', async () => {
    const files = [...(await sourcesIn('server')), ...(await sourcesIn('agent')), ...(await sourcesIn('shared').catch(() => []))];
    const makers: string[] = [];
    for (const file of files) {
      if (file === join('server', 'http', 'errors.ts')) continue;
      if (/new HttpError\b|extends HttpError\b/.test(await readFile(file, 'utf8'))) makers.push(file);
    }
    expect(makers).toEqual([]);
  });

  it('are told apart by their code', () => {
    const err: unknown = upstream('The sign-in service did not answer.');
    expect(isHttpError(err)).toBe(true);
    expect(isHttpError(err, 'upstream')).toBe(true);
    expect(isHttpError(err, 'too_short', 'capacity')).toBe(false);
    expect(isHttpError(new Error('upstream'), 'upstream')).toBe(false);
  });

  it('reach the browser as { error: code, message, fields, details } with their headers', async () => {
    const thrown: Record<string, HttpError> = {
      validation: validation({ job_role: 'The target role is required' }),
      capacity: capacity(60, 'All interview slots are in use right now — try again in a minute.'),
      upstream: upstream('The interviewer did not start in time — try again in a moment.', { provider: 'llm' }),
      unavailable: unavailable('Résumé files cannot be read right now.'),
      not_found: notFound('There is no such interview.'),
    };
    const app = express();
    app.get('/api/:code', (req) => {
      throw thrown[req.params.code];
    });
    app.use(errorHandler({ exposeInternals: false }));
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`;
    try {
      const answer = async (code: string) => {
        const reply = await fetch(`${base}/${code}`);
        return { status: reply.status, retryAfter: reply.headers.get('retry-after'), body: await reply.json() };
      };
      expect(await answer('validation')).toEqual({
        status: 400,
        retryAfter: null,
        body: { error: 'validation', message: 'Some fields need attention.', fields: { job_role: 'The target role is required' } },
      });
      expect(await answer('capacity')).toMatchObject({ status: 429, retryAfter: '60', body: { error: 'capacity', retryAfterSeconds: 60 } });
      expect(await answer('upstream')).toEqual({
        status: 502,
        retryAfter: null,
        body: { error: 'upstream', message: 'The interviewer did not start in time — try again in a moment.', provider: 'llm' },
      });
      expect(await answer('unavailable')).toEqual({ status: 503, retryAfter: null, body: { error: 'unavailable', message: 'Résumé files cannot be read right now.' } });
      expect(await answer('not_found')).toMatchObject({ status: 404, body: { error: 'not_found' } });
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
