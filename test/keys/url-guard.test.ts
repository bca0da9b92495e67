import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { guardedFetch, guardedLookup } from '../../shared/guarded-fetch.ts';
import { classifyAddress, UnsafeUrlError, type Resolver } from '../../shared/net-guard.ts';
import { checkUrlHost, checkUserUrl, parseUserUrl } from '../../server/keys/url-guard.ts';

const PUBLIC_V4 = '93.184.215.14';

/** A resolver from a fixed table; each name may answer differently on each call. */
function resolverFrom(table: Record<string, string[] | string[][]>): Resolver & { calls: string[] } {
  const calls: string[] = [];
  const resolve = async (hostname: string) => {
    const n = calls.filter((c) => c === hostname).length;
    calls.push(hostname);
    const entry = table[hostname];
    if (!entry) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    const answer = (Array.isArray(entry[0]) ? (entry as string[][])[Math.min(n, entry.length - 1)] : entry) as string[];
    return answer.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
  return Object.assign(resolve, { calls });
}

async function refusal(promise: Promise<unknown>): Promise<UnsafeUrlError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(UnsafeUrlError);
  return err as UnsafeUrlError;
}

describe('classifyAddress', () => {
  it.each([
    ['10.0.0.5', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.254', 'private'],
    ['192.168.1.10', 'private'],
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['169.254.169.254', 'link-local'],
    ['100.64.0.1', 'carrier-grade NAT'],
    ['100.127.255.254', 'carrier-grade NAT'],
    ['224.0.0.251', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['255.255.255.255', 'broadcast'],
    ['240.1.2.3', 'reserved'],
    ['192.0.0.170', 'reserved'],
    ['198.18.0.1', 'reserved for benchmarking'],
    ['198.19.255.254', 'reserved for benchmarking'],
    ['192.0.2.1', 'reserved for documentation'],
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['fc00::1', 'private'],
    ['fd12:3456::1', 'private'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['ff02::1', 'multicast'],
    ['::ffff:10.0.0.5', 'private'],
    ['::ffff:169.254.169.254', 'link-local'],
    ['::ffff:7f00:1', 'loopback'],
    // IPv4-translated (::ffff:0:0:0/96): the audit's way past the guard to cloud metadata.
    ['::ffff:0:a9fe:a9fe', 'link-local'],
    ['::ffff:0:10.0.0.5', 'private'],
    ['::ffff:0:127.0.0.1', 'loopback'],
    ['0:0:0:0:ffff:0:0:0', 'unspecified'],
    // IPv4-compatible (deprecated): refused whatever it embeds.
    ['::a9fe:a9fe', 'reserved'],
    ['::8.8.8.8', 'reserved'],
    ['64:ff9b::a00:5', 'private'],
    ['64:ff9b::169.254.169.254', 'link-local'],
    ['2002:c0a8:101::1', 'private'],
    ['2001:db8::1', 'reserved for documentation'],
    ['2001:0:4136:e378::1', 'reserved'],
  ])('%s is %s', (ip, kind) => {
    expect(classifyAddress(ip)).toBe(kind);
  });

  it.each(['8.8.8.8', '1.1.1.1', '172.32.0.1', '100.128.0.1', '198.20.0.1', '169.255.0.1', '::ffff:8.8.8.8', '64:ff9b::808:808', '2606:4700:4700::1111', '2a00:1450:4001::200e'])(
    '%s is public',
    (ip) => {
      expect(classifyAddress(ip)).toBeNull();
    },
  );
});

describe('checkUserUrl', () => {
  const resolve = resolverFrom({ 'livekit.example.com': [PUBLIC_V4], 'llm.example.com': [PUBLIC_V4, '2606:4700::6810:84e5'] });

  it('accepts wss:// and https:// on public hosts, and names the https:// URL for API calls', async () => {
    const { url, httpUrl } = await checkUserUrl(' wss://livekit.example.com ', { kind: 'livekit', production: true, resolve });
    expect(url.href).toBe('wss://livekit.example.com/');
    expect(httpUrl.href).toBe('https://livekit.example.com/');
    const llm = await checkUserUrl('https://llm.example.com/v1', { kind: 'llm', production: true, resolve });
    expect(llm.httpUrl.href).toBe('https://llm.example.com/v1');
  });

  it('in production accepts only wss:// or https:// for LiveKit and https:// for the LLM', async () => {
    expect((await refusal(checkUserUrl('ws://livekit.example.com', { kind: 'livekit', production: true, resolve }))).message).toBe(
      'LiveKit URL must start with wss:// or https://',
    );
    expect((await refusal(checkUserUrl('http://llm.example.com/v1', { kind: 'llm', production: true, resolve }))).message).toBe(
      'LLM base URL must start with https://',
    );
  });

  it('names the Deepgram and speech base URLs in their own words, https:// only in production', async () => {
    for (const [kind, label] of [['deepgram', 'Deepgram base URL'], ['speech', 'Speech base URL']] as const) {
      expect((await refusal(checkUserUrl('http://llm.example.com', { kind, production: true, resolve }))).message).toBe(`${label} must start with https://`);
      expect((await refusal(checkUserUrl('wss://llm.example.com', { kind, production: false, resolve }))).message).toBe(
        `${label} must start with https:// or http://`,
      );
      expect((await refusal(checkUserUrl('https://me:pw@llm.example.com', { kind, production: true, resolve }))).message).toBe(
        `${label} must not contain a user name or password`,
      );
      expect((await refusal(checkUserUrl('https://llm.example.com/v1?key=1', { kind, production: true, resolve }))).message).toBe(
        `${label} must not contain ? or #`,
      );
      expect((await refusal(checkUserUrl('https://127.0.0.1:8880/v1', { kind, production: true, resolve }))).message).toBe(
        'that address is loopback (127.0.0.1) and cannot be used',
      );
      const { httpUrl } = await checkUserUrl('http://127.0.0.1:8880/v1', { kind, production: false, resolve });
      expect(httpUrl.href).toBe('http://127.0.0.1:8880/v1');
    }
  });

  it('outside production also accepts ws:// and http://, and nothing else', async () => {
    const { httpUrl } = await checkUserUrl('ws://livekit.example.com:7880', { kind: 'livekit', production: false, resolve });
    expect(httpUrl.href).toBe('http://livekit.example.com:7880/');
    expect((await refusal(checkUserUrl('ftp://livekit.example.com', { kind: 'livekit', production: false, resolve }))).message).toBe(
      'LiveKit URL must start with wss://, https://, ws:// or http://',
    );
  });

  it('refuses what is not a URL, embedded credentials, and query strings', async () => {
    expect((await refusal(checkUserUrl('livekit.example.com', { kind: 'livekit', production: true, resolve }))).message).toBe(
      'LiveKit URL is not a valid URL',
    );
    expect((await refusal(checkUserUrl('https://user:pw@llm.example.com/v1', { kind: 'llm', production: true, resolve }))).reason).toBe(
      'credentials',
    );
    expect((await refusal(checkUserUrl('https://llm.example.com/v1?x=1', { kind: 'llm', production: true, resolve }))).reason).toBe('malformed');
  });

  it.each([
    ['https://10.0.0.5/v1', 'that address is private (10.0.0.5) and cannot be used'],
    ['https://172.20.1.1/v1', 'that address is private (172.20.1.1) and cannot be used'],
    ['https://192.168.0.1/v1', 'that address is private (192.168.0.1) and cannot be used'],
    ['https://127.0.0.1:8080/v1', 'that address is loopback (127.0.0.1) and cannot be used'],
    ['https://169.254.169.254/latest/meta-data', 'that address is link-local (169.254.169.254) and cannot be used'],
    ['https://100.64.3.4/v1', 'that address is carrier-grade NAT (100.64.3.4) and cannot be used'],
    ['https://224.0.0.1/v1', 'that address is multicast (224.0.0.1) and cannot be used'],
    ['https://0.0.0.0/v1', 'that address is unspecified (0.0.0.0) and cannot be used'],
    ['https://255.255.255.255/v1', 'that address is broadcast (255.255.255.255) and cannot be used'],
    ['https://198.18.0.7/v1', 'that address is reserved for benchmarking (198.18.0.7) and cannot be used'],
    ['https://241.0.0.1/v1', 'that address is reserved (241.0.0.1) and cannot be used'],
    ['https://[::1]/v1', 'that address is loopback (::1) and cannot be used'],
    ['https://[fd00::5]/v1', 'that address is private (fd00::5) and cannot be used'],
    ['https://[fe80::1]/v1', 'that address is link-local (fe80::1) and cannot be used'],
    ['https://[ff05::2]/v1', 'that address is multicast (ff05::2) and cannot be used'],
    ['https://[::]/v1', 'that address is unspecified (::) and cannot be used'],
    // The URL parser writes IPv4-mapped and NAT64 addresses in hex; they are judged as IPv4.
    ['https://[::ffff:10.0.0.5]/v1', 'that address is private (::ffff:a00:5) and cannot be used'],
    ['https://[::ffff:0:a9fe:a9fe]/v1', 'that address is link-local (::ffff:0:a9fe:a9fe) and cannot be used'],
    ['https://[64:ff9b::169.254.169.254]/v1', 'that address is link-local (64:ff9b::a9fe:a9fe) and cannot be used'],
    // Spellings of 127.0.0.1 that the URL parser normalises.
    ['https://0x7f.1/v1', 'that address is loopback (127.0.0.1) and cannot be used'],
    ['https://2130706433/v1', 'that address is loopback (127.0.0.1) and cannot be used'],
  ])('in production refuses %s', async (raw, message) => {
    expect((await refusal(checkUserUrl(raw, { kind: 'llm', production: true, resolve }))).message).toBe(message);
  });

  it('refuses a host name that resolves to a private address, even among public ones', async () => {
    const internal = resolverFrom({ 'internal.example.com': ['10.1.2.3'], 'mixed.example.com': [PUBLIC_V4, '169.254.169.254'] });
    expect((await refusal(checkUserUrl('wss://internal.example.com', { kind: 'livekit', production: true, resolve: internal }))).message).toBe(
      'internal.example.com resolves to 10.1.2.3, which is private and cannot be used',
    );
    expect((await refusal(checkUserUrl('https://mixed.example.com/v1', { kind: 'llm', production: true, resolve: internal }))).message).toBe(
      'mixed.example.com resolves to 169.254.169.254, which is link-local and cannot be used',
    );
  });

  it('says when a host cannot be found', async () => {
    const err = await refusal(checkUserUrl('https://nowhere.example.com/v1', { kind: 'llm', production: true, resolve }));
    expect(err.reason).toBe('unresolvable');
    expect(err.message).toBe('cannot find the host nowhere.example.com');
  });

  it('allows loopback outside production (a local LiveKit or model server), and only loopback', async () => {
    await expect(checkUserUrl('ws://127.0.0.1:7880', { kind: 'livekit', production: false })).resolves.toBeDefined();
    await expect(checkUserUrl('http://[::1]:11434/v1', { kind: 'llm', production: false })).resolves.toBeDefined();
    await expect(checkUserUrl('http://localhost:11434/v1', { kind: 'llm', production: false })).resolves.toBeDefined();
    expect((await refusal(checkUserUrl('http://192.168.1.20:11434/v1', { kind: 'llm', production: false }))).message).toBe(
      'that address is private (192.168.1.20) and cannot be used',
    );
    expect((await refusal(checkUserUrl('http://169.254.169.254/', { kind: 'llm', production: false }))).message).toBe(
      'that address is link-local (169.254.169.254) and cannot be used',
    );
  });

  it('refuses localhost in production (resolved by the system resolver)', async () => {
    const err = await refusal(checkUserUrl('wss://localhost:7880', { kind: 'livekit', production: true }));
    expect(err.message).toMatch(/^localhost resolves to (127\.0\.0\.1|::1), which is loopback and cannot be used$/);
  });
});

describe('parseUserUrl and checkUrlHost (the two halves of checkUserUrl)', () => {
  it('judges the form of a URL without looking anything up', () => {
    expect(parseUserUrl('wss://nowhere.invalid:7880', { kind: 'livekit', production: true }).httpUrl.href).toBe('https://nowhere.invalid:7880/');
    // A refused address class is the host check's business, not the form's.
    expect(parseUserUrl('https://10.1.2.3/v1', { kind: 'llm', production: true }).url.hostname).toBe('10.1.2.3');
    expect(() => parseUserUrl('ws://example.com', { kind: 'livekit', production: true })).toThrow('LiveKit URL must start with wss:// or https://');
    expect(() => parseUserUrl('https://u:p@example.com/v1', { kind: 'llm', production: true })).toThrow(/user name or password/);
  });

  it('bounds a lookup that never answers when given a time limit, with a plain message', async () => {
    const hanging: Resolver = () => new Promise(() => {});
    const started = performance.now();
    const err = await refusal(checkUrlHost(new URL('wss://slow.example.com'), { production: true, resolve: hanging, lookupTimeoutMs: 200 }));
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(err.reason).toBe('unresolvable');
    expect(err.message).toBe('looking up slow.example.com took longer than 0.2 s, so the address could not be checked: try again');
    // Through checkUserUrl as well, and a quick answer within the limit is judged as usual.
    const viaCheck = await refusal(checkUserUrl('https://slow.example.com/v1', { kind: 'llm', production: true, resolve: hanging, lookupTimeoutMs: 100 }));
    expect(viaCheck.message).toMatch(/^looking up slow\.example\.com took longer than 0\.1 s/);
    const quick = resolverFrom({ 'quick.example.com': ['10.0.0.9'] });
    expect((await refusal(checkUrlHost(new URL('https://quick.example.com'), { production: true, resolve: quick, lookupTimeoutMs: 1_000 }))).message).toBe(
      'quick.example.com resolves to 10.0.0.9, which is private and cannot be used',
    );
  });
});

describe('guardedLookup and guardedFetch (connect time)', () => {
  let server: http.Server;
  let port: number;
  let hits = 0;

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      hits += 1;
      if (req.url === '/gzip') {
        res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
        res.end(gzipSync('{"compressed":true}'));
      } else res.end('hello');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  function get(url: string, agent: http.Agent): Promise<string> {
    return new Promise((resolve, reject) => {
      http
        .get(url, { agent }, (res) => {
          let text = '';
          res.on('data', (chunk: Buffer) => (text += chunk.toString()));
          res.on('end', () => resolve(text));
        })
        .on('error', reject);
    });
  }

  it('is what an http.Agent connects with: a name only our resolver knows reaches the server', async () => {
    const resolve = resolverFrom({ 'fake-provider.test': ['127.0.0.1'] });
    const agent = new http.Agent({ lookup: guardedLookup(false, resolve) });
    expect(await get(`http://fake-provider.test:${port}/`, agent)).toBe('hello');
    expect(resolve.calls).toEqual(['fake-provider.test']);
  });

  it('refuses the connection when the name resolves to a disallowed address', async () => {
    const before = hits;
    const agent = new http.Agent({ lookup: guardedLookup(true, resolverFrom({ 'fake-provider.test': ['127.0.0.1'] })) });
    const err = await get(`http://fake-provider.test:${port}/`, agent).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnsafeUrlError);
    expect((err as Error).message).toBe('fake-provider.test resolves to 127.0.0.1, which is loopback and cannot be used');
    expect(hits).toBe(before);
  });

  it('answers lookups for one family or for all addresses', async () => {
    const lookup = guardedLookup(false, resolverFrom({ 'both.test': ['127.0.0.1', '::1'] }));
    const one = await new Promise((resolve) => lookup('both.test', { family: 6 }, (err, address, family) => resolve([err, address, family])));
    expect(one).toEqual([null, '::1', 6]);
    const all = await new Promise((resolve) => lookup('both.test', { all: true }, (err, addresses) => resolve([err, addresses])));
    expect(all).toEqual([null, [{ address: '127.0.0.1', family: 4 }, { address: '::1', family: 6 }]]);
  });

  it('closes the DNS-rebinding gap: public when checked, private when connecting, refused', async () => {
    const before = hits;
    const resolve = resolverFrom({ 'rebind.test': [[PUBLIC_V4], ['127.0.0.1']] });
    await checkUserUrl(`https://rebind.test:${port}/v1`, { kind: 'llm', production: true, resolve });
    const fetch = guardedFetch({ production: true, resolve });
    const err = await fetch(`https://rebind.test:${port}/v1/models`).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnsafeUrlError);
    expect((err as Error).message).toBe('rebind.test resolves to 127.0.0.1, which is loopback and cannot be used');
    expect(fetch.lastError).toBe(err);
    expect(resolve.calls).toEqual(['rebind.test', 'rebind.test']);
    expect(hits).toBe(before);
  });

  it('checks IP literals itself, since Node does not call lookup for them', async () => {
    const before = hits;
    const err = await guardedFetch({ production: true })(`http://127.0.0.1:${port}/`).catch((e: unknown) => e);
    expect((err as Error).message).toBe('that address is loopback (127.0.0.1) and cannot be used');
    expect(hits).toBe(before);
  });

  it('is a working fetch: status, headers and body come through', async () => {
    const response = await guardedFetch({ production: false })(`http://127.0.0.1:${port}/`);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('hello');
    const compressed = await guardedFetch({ production: false })(`http://127.0.0.1:${port}/gzip`);
    expect(await compressed.json()).toEqual({ compressed: true });
  });
});
