import { readFileSync } from 'node:fs';
import { ConfigError } from '../config.ts';

/** Who an agent child runs as, when that is not the server's own user. */
export interface ChildUser {
  name: string;
  uid: number;
  gid: number;
}

/** The conventional unprivileged account (Debian, Alpine, most images), used when it has no passwd entry. */
const NOBODY: ChildUser = { name: 'nobody', uid: 65534, gid: 65534 };

/**
 * A child running as the server's user can read /proc/<server pid>/environ and the server's
 * memory, so every server secret. A server running as root therefore forks its agent children
 * as AGENT_USER (default `nobody`); `AGENT_USER=root` keeps them root. A server that is not root
 * cannot switch users, and says so if asked to.
 */
export function resolveChildUser(setting: string | undefined, serverUid = process.getuid?.() ?? -1, passwd = readPasswd()): ChildUser | undefined {
  if (serverUid !== 0) {
    if (setting === undefined) return undefined;
    throw new ConfigError([
      'AGENT_USER needs the server to run as root (only root can start a process as another user): unset it, or start the server as root',
    ]);
  }
  const wanted = setting ?? 'nobody';
  const found = /^\d+$/.test(wanted)
    ? (passwd.find((u) => u.uid === Number(wanted)) ?? { name: wanted, uid: Number(wanted), gid: Number(wanted) })
    : (passwd.find((u) => u.name === wanted) ?? (wanted === 'nobody' ? NOBODY : undefined));
  if (!found) throw new ConfigError([`AGENT_USER names no user on this machine: expected a user name from /etc/passwd or a numeric uid, e.g. nobody`]);
  return found.uid === 0 ? undefined : found;
}

function readPasswd(): ChildUser[] {
  let text = '';
  try {
    text = readFileSync('/etc/passwd', 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .map((line) => line.split(':'))
    .filter((f) => f.length >= 4 && /^\d+$/.test(f[2]!) && /^\d+$/.test(f[3]!))
    .map((f) => ({ name: f[0]!, uid: Number(f[2]), gid: Number(f[3]) }));
}
