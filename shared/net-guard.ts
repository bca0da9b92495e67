// Users give us URLs (their LiveKit server, their LLM's base URL) that are then called with
// their keys. Without a guard that is a server-side request forgery hole: a URL naming
// 169.254.169.254 or 10.0.0.5 would make us probe our own network. Every address is judged
// twice: when the URL is checked (server/keys/url-guard.ts), and again by the lookup the socket
// actually connects with (./guarded-fetch.ts), so a DNS answer that changes in between
// (rebinding) is still refused. Pure node built-ins: the agent child uses it as well as the server.

import { promises as dns, type LookupAddress } from 'node:dns';
import { isIP } from 'node:net';

export type UnsafeUrlReason = 'malformed' | 'scheme' | 'credentials' | 'address' | 'unresolvable';

/** For reason 'address': which address was refused, what kind it is, and the host that led there. */
export interface RefusedAddress {
  host: string;
  address: string;
  problem: string;
}

export class UnsafeUrlError extends Error {
  constructor(
    readonly reason: UnsafeUrlReason,
    message: string,
    readonly refused?: RefusedAddress,
  ) {
    super(message);
    this.name = 'UnsafeUrlError';
  }
}

/** Resolves a host name to every address it has (dns.lookup with all: true by default). */
export type Resolver = (hostname: string) => Promise<LookupAddress[]>;

export const systemResolve: Resolver = (hostname) => dns.lookup(hostname, { all: true });

// ---------------------------------------------------------------------------------------------
// Address classification

type Range = [base: bigint, bits: number, label: string];
type RangeText = [base: string, bits: number, label: string];

// Ranges no user-supplied provider URL may point at. Order matters only for the label.
const V4_RANGES: Range[] = ([
  ['255.255.255.255', 32, 'broadcast'],
  ['0.0.0.0', 8, 'unspecified'],
  ['10.0.0.0', 8, 'private'],
  ['100.64.0.0', 10, 'carrier-grade NAT'],
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.0.0', 16, 'link-local'],
  ['172.16.0.0', 12, 'private'],
  ['192.0.0.0', 24, 'reserved'],
  ['192.0.2.0', 24, 'reserved for documentation'],
  ['192.88.99.0', 24, 'reserved'],
  ['192.168.0.0', 16, 'private'],
  ['198.18.0.0', 15, 'reserved for benchmarking'],
  ['198.51.100.0', 24, 'reserved for documentation'],
  ['203.0.113.0', 24, 'reserved for documentation'],
  ['224.0.0.0', 4, 'multicast'],
  ['240.0.0.0', 4, 'reserved'],
] satisfies RangeText[]).map(([ip, bits, label]): Range => [v4ToBigInt(ip), bits, label]);

const V6_RANGES: Range[] = ([
  ['::', 128, 'unspecified'],
  ['::1', 128, 'loopback'],
  ['::', 96, 'reserved'], // IPv4-compatible, deprecated
  ['64:ff9b:1::', 48, 'private'], // local-use NAT64
  ['100::', 64, 'reserved'], // discard-only
  ['2001::', 23, 'reserved'], // IETF protocol assignments, Teredo, benchmarking
  ['2001:db8::', 32, 'reserved for documentation'],
  ['3fff::', 20, 'reserved for documentation'],
  ['fc00::', 7, 'private'],
  ['fe80::', 10, 'link-local'],
  ['fec0::', 10, 'private'], // deprecated site-local
  ['ff00::', 8, 'multicast'],
] satisfies RangeText[]).map(([ip, bits, label]): Range => [v6ToBigInt(ip), bits, label]);

// IPv6 prefixes that carry an IPv4 address, judged as that IPv4 address: IPv4-mapped
// (::ffff:a.b.c.d), IPv4-translated (::ffff:0:a.b.c.d, RFC 2765's SIIT form, which a translator
// on the path may still route), NAT64 (64:ff9b::/96) and 6to4 (2002::/16, the IPv4 address in
// bits 16–47). IPv4-compatible addresses (::a.b.c.d, deprecated by RFC 4291) are refused whole
// by the ::/96 range below.
const V4_MAPPED = v6ToBigInt('::ffff:0:0');
const V4_TRANSLATED = v6ToBigInt('::ffff:0:0:0');
const NAT64 = v6ToBigInt('64:ff9b::');
const SIX_TO_FOUR = v6ToBigInt('2002::');

/**
 * What kind of non-public address `ip` is ('private', 'loopback', 'link-local', …), or null
 * when it is an ordinary public address. Throws on something that is not an IP address.
 */
export function classifyAddress(ip: string): string | null {
  const address = ip.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  const family = isIP(address);
  if (family === 4) return match(v4ToBigInt(address), 32, V4_RANGES);
  if (family !== 6) throw new TypeError(`not an IP address: ${ip}`);
  const n = v6ToBigInt(address);
  if (inPrefix(n, 128, V4_MAPPED, 96) || inPrefix(n, 128, V4_TRANSLATED, 96) || inPrefix(n, 128, NAT64, 96)) {
    return match(n & 0xffffffffn, 32, V4_RANGES);
  }
  if (inPrefix(n, 128, SIX_TO_FOUR, 16)) return match((n >> 80n) & 0xffffffffn, 32, V4_RANGES);
  return match(n, 128, V6_RANGES);
}

/** Loopback is allowed outside production so a local LiveKit or model server works. */
export function addressProblem(ip: string, production: boolean): string | null {
  const kind = classifyAddress(ip);
  if (kind === 'loopback' && !production) return null;
  return kind;
}

function match(n: bigint, width: number, ranges: Range[]): string | null {
  for (const [base, bits, label] of ranges) if (inPrefix(n, width, base, bits)) return label;
  return null;
}

function inPrefix(n: bigint, width: number, base: bigint, bits: number): boolean {
  const shift = BigInt(width - bits);
  return n >> shift === base >> shift;
}

function v4ToBigInt(ip: string): bigint {
  return ip.split('.').reduce((acc, part) => (acc << 8n) | BigInt(Number(part)), 0n);
}

function v6ToBigInt(ip: string): bigint {
  let text = ip;
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const v4 = v4ToBigInt(dotted[1]!);
    text = `${text.slice(0, dotted.index)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = tail === undefined ? left : [...left, ...Array(8 - left.length - right.length).fill('0'), ...right];
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n);
}

// ---------------------------------------------------------------------------------------------
// Host checks

/** Refuses an IP literal that is not allowed, or a host name with any disallowed address. */
export async function assertHostAllowed(hostname: string, production: boolean, resolve: Resolver): Promise<void> {
  const host = hostname.replace(/^\[|\]$/g, '');
  if (isIP(host)) {
    const problem = addressProblem(host, production);
    if (problem) throw refusedLiteral(host, problem);
    return;
  }
  const addresses = await resolveOrExplain(host, resolve);
  refuseDisallowed(host, addresses, production);
}

export async function resolveOrExplain(host: string, resolve: Resolver): Promise<LookupAddress[]> {
  let addresses: LookupAddress[];
  try {
    addresses = await resolve(host);
  } catch {
    throw new UnsafeUrlError('unresolvable', `cannot find the host ${host}`);
  }
  if (addresses.length === 0) throw new UnsafeUrlError('unresolvable', `cannot find the host ${host}`);
  return addresses;
}

/** An IP literal in a URL that is not allowed. */
export function refusedLiteral(host: string, problem: string): UnsafeUrlError {
  return new UnsafeUrlError('address', `that address is ${problem} (${host}) and cannot be used`, { host, address: host, problem });
}

// One bad address is enough to refuse: a name that mixes public and private answers is either
// misconfigured or an attempt to get lucky with the connection order.
export function refuseDisallowed(host: string, addresses: LookupAddress[], production: boolean): void {
  for (const { address } of addresses) {
    const problem = addressProblem(address, production);
    if (problem) {
      throw new UnsafeUrlError('address', `${host} resolves to ${address}, which is ${problem} and cannot be used`, { host, address, problem });
    }
  }
}
