// Every response read from a user's URL is read as a stream against a cap on its decoded bytes:
// a compression bomb from the user's own "model" stops at the cap with a clear message, for
// the transport itself, the key test and feedback generation alike.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { guardedFetch } from '../../shared/guarded-fetch.ts';
import { ResponseTooLargeError, USER_URL_MAX_RESPONSE_BYTES } from '../../shared/response-cap.ts';
import { generateFeedback } from '../../server/feedback/generate.ts';
import { testProviderKeys } from '../../server/keys/checks.ts';
import { startCompressionBomb, type CompressionBomb } from '../fakes/compression-bomb.ts';
import { interview } from '../feedback/fixture.ts';

let bomb: CompressionBomb;
beforeAll(async () => {
  bomb = await startCompressionBomb({ inflatedMb: 200 });
}, 120_000);
afterAll(() => bomb.close());

const MB = 1024 * 1024;

async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.unreachable('the response was read whole'),
    (e: unknown) => e,
  );
}

describe('guardedFetch reads a response against a cap on its decoded bytes', () => {
  it.each(['gzip', 'br', 'deflate'] as const)('stops a %s bomb (200 MB inflated) at the cap, with this process barely growing', async (encoding) => {
    expect(bomb.sizes[encoding]).toBeLessThan(1 * MB);
    const fetch = guardedFetch({ production: false });
    const response = await fetch(`${bomb.url}/${encoding}/v1/models`);
    expect(response.status).toBe(200);
    const before = process.memoryUsage().rss;
    const err = await failure(response.arrayBuffer());
    expect(err).toBeInstanceOf(ResponseTooLargeError);
    expect((err as Error).message).toBe('an answer larger than 4 MB');
    expect(fetch.lastError).toBe(err);
    expect(process.memoryUsage().rss - before).toBeLessThan(64 * MB);
  });

  it('stops a plain body streamed without a length at the cap, and turns one that declares too large a length away before reading it', async () => {
    const fetch = guardedFetch({ production: false });
    const streamed = await fetch(`${bomb.url}/plain/v1/models`);
    expect(await failure(streamed.text())).toBeInstanceOf(ResponseTooLargeError);
    const declared = await failure(fetch(`${bomb.url}/declared/v1/models`));
    expect(declared).toBeInstanceOf(ResponseTooLargeError);
    expect(fetch.lastError).toBe(declared);
  });

  it('passes an answer of exactly the cap, and takes a smaller cap when given one', async () => {
    expect(USER_URL_MAX_RESPONSE_BYTES).toBe(4 * MB);
    const small = guardedFetch({ production: false, maxResponseBytes: 1000 });
    expect(await failure((await small(`${bomb.url}/gzip/`)).text())).toMatchObject({ message: 'an answer larger than 1 KB' });
  });
});

describe('what the user is told when their URL answers with a bomb', () => {
  it('the key test names the URL and the cap, and the other checks are unaffected', async () => {
    const results = await testProviderKeys({ llmKey: 'sk-test-bomb-0000', llmBaseUrl: `${bomb.url}/gzip/v1`, ttsProvider: 'deepgram' }, { production: false });
    expect(results.llm).toMatchObject({ ok: false, notSet: false });
    expect(results.llm.message).toBe(`${bomb.url}/gzip/v1 sent an answer larger than 4 MB, far more than this check asks for: check the URL`);
    expect(results.livekit.notSet).toBe(true);
  });

  it('feedback generation fails with a message that says so, and saves nothing', async () => {
    const err = await failure(
      generateFeedback({
        llm: { apiKey: 'sk-test-bomb-0000', baseURL: `${bomb.url}/br/v1`, model: 'gpt-4o-mini' },
        interview,
        fetch: guardedFetch({ production: false }) as unknown as typeof fetch,
      }),
    );
    expect(err).toMatchObject({ status: 502, code: 'upstream' });
    expect((err as Error).message).toMatch(/^.+ sent an answer larger than 4 MB; nothing was saved\. Check the base URL in Settings → Keys\.$/);
  });
});
