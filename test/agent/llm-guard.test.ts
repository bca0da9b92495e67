// The interview LLM's connections go through the network guard: the address a host name resolves
// to when the socket connects is judged then, with no earlier check needed (DNS rebinding).

import { afterEach, describe, expect, it } from 'vitest';
import { describeFailure } from '../../agent/errors.ts';
import { UnsafeUrlError, type Resolver } from '../../shared/net-guard.ts';
import type { ProviderKeys } from '../../agent/protocol.ts';
import { InterviewLLM } from '../../agent/session.ts';
import { startFakeOpenAI, type FakeOpenAI } from '../fakes/openai-llm.ts';

const KEY = 'sk-rebind-key-5d81e2';
const keys = (llmBaseUrl: string): ProviderKeys => ({ llmApiKey: KEY, llmBaseUrl, llmModel: 'gpt-4o-mini', ttsProvider: 'openai' });

/** Answers every name with `address`, and counts the lookups. */
function resolverTo(address: string): Resolver & { calls: string[] } {
  const calls: string[] = [];
  const resolve = async (hostname: string) => {
    calls.push(hostname);
    return [{ address, family: address.includes(':') ? 6 : 4 }];
  };
  return Object.assign(resolve, { calls });
}

let fake: FakeOpenAI | undefined;
let model: InterviewLLM | undefined;
afterEach(async () => {
  await model?.aclose();
  await fake?.close();
  fake = model = undefined;
});

describe('InterviewLLM network guard', () => {
  it('refuses a host name that resolves to a private address when it connects', async () => {
    const resolve = resolverTo('10.0.0.5');
    const url = 'http://llm.rebind.test:8080/v1';
    model = new InterviewLLM(keys(url), { production: false, resolve });
    const problem = await model.checkConnection();

    expect(resolve.calls).toEqual(['llm.rebind.test']);
    expect(problem?.kind).toBe('disallowed');
    const message = describeFailure('llm', problem!.error, keys(url)).message;
    expect(message).toBe(
      'The LLM base URL points to llm.rebind.test, which resolves to a private address (10.0.0.5) that cannot be used — change it in Settings → Keys.',
    );
    expect(message).not.toContain(KEY);
  });

  it('in production never sends a request to a host name that resolves to loopback, though a server listens there', async () => {
    fake = await startFakeOpenAI({ apiKey: KEY });
    const url = `http://llm.rebind.test:${new URL(fake.url).port}/v1`;
    model = new InterviewLLM(keys(url), { production: true, resolve: resolverTo('127.0.0.1') });
    const problem = await model.checkConnection();

    expect(problem?.kind).toBe('disallowed');
    expect(describeFailure('llm', problem!.error, keys(url)).message).toContain('resolves to a loopback address (127.0.0.1)');
    expect(fake.requests).toEqual([]);
  });

  it('connects to the address the injected resolver gave when it is allowed (loopback outside production)', async () => {
    fake = await startFakeOpenAI({ apiKey: KEY });
    const resolve = resolverTo('127.0.0.1');
    model = new InterviewLLM(keys(`http://llm.local.test:${new URL(fake.url).port}/v1`), { production: false, resolve });
    expect(await model.checkConnection()).toBeUndefined();
    expect(resolve.calls).toEqual(['llm.local.test']);
    expect(fake.requests.map((r) => `${r.method} ${r.path} ${r.authorized}`)).toEqual(['GET /v1/models true']);
  });

  it('says the host was not found when the resolver finds nothing', async () => {
    const resolve: Resolver = async (hostname) => {
      throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    };
    const url = 'https://nowhere.invalid/v1';
    model = new InterviewLLM(keys(url), { production: true, resolve });
    const problem = await model.checkConnection();
    expect(problem?.kind).toBe('unreachable');
    expect(describeFailure('llm', problem!.error, keys(url)).message).toBe(
      'The LLM provider could not be reached at nowhere.invalid (host name not found) — check the base URL in Settings → Keys.',
    );
  });

  it('names the refused address for a failed model call mid-interview, from the network error kept beside it', () => {
    const cause = new UnsafeUrlError('address', 'that address is link-local (169.254.169.254) and cannot be used', {
      host: '169.254.169.254',
      address: '169.254.169.254',
      problem: 'link-local',
    });
    const message = describeFailure('llm', new Error('Connection error.'), keys('https://llm.example.com/v1'), { cause }).message;
    expect(message).toBe('The LLM base URL points to a link-local address (169.254.169.254), which cannot be used — change it in Settings → Keys.');
  });
});
