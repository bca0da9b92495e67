import { isIPv4 } from 'node:net';

/** 127.0.0.0/8 and ::1, also written IPv4-mapped (::ffff:127.0.0.1), as sockets report them. */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (!address) return false;
  const ip = address.replace(/^\[|\]$/g, '').replace(/^::ffff:/i, '');
  return isIPv4(ip) ? ip.startsWith('127.') : ip === '::1';
}

/**
 * A host name that only ever means this machine. A Host header naming anything else reached a
 * loopback socket through DNS rebinding (a web page whose name now resolves to 127.0.0.1).
 */
export function isLoopbackHost(host: string | undefined): boolean {
  if (!host) return false;
  const name = host.toLowerCase();
  return name === 'localhost' || name.endsWith('.localhost') || isLoopbackAddress(name);
}
