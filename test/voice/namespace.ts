// The voice test's own network: a network namespace (unshare -n) holding a veth pair with one
// address and a default route through it, so Chromium and libwebrtc gather a host candidate
// (neither uses loopback alone) while nothing touches the machine's own interfaces. Everything
// of the voice test runs inside it: LiveKit's server, the app, the agent children, the fakes, Chromium.

import { spawnSync } from 'node:child_process';

export const NODE_IP = '10.77.0.1';

const SETUP = [
  'set -e',
  'ip link set lo up',
  'ip link add mf-voice0 type veth peer name mf-voice1',
  `ip addr add ${NODE_IP}/24 dev mf-voice0`,
  'ip link set mf-voice0 up',
  'ip link set mf-voice1 up',
  'ip route add default dev mf-voice0',
].join('; ');

/** Why the namespace cannot be made here, or undefined when it can. */
export function namespaceProblem(): string | undefined {
  if (process.platform !== 'linux') return 'it needs Linux network namespaces';
  if (process.getuid?.() !== 0) return 'it needs root to create a network namespace (unshare -n)';
  for (const tool of ['unshare', 'ip']) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) return `it needs the "${tool}" command (util-linux, iproute2)`;
  }
  const probe = spawnSync('unshare', ['--net', '--', 'bash', '-c', SETUP]);
  if (probe.status !== 0) return `creating the network namespace failed: ${probe.stderr.toString().trim()}`;
  return undefined;
}

/** The command line that runs `command` inside a fresh namespace set up as above. */
export function inNamespace(command: string[]): { file: string; args: string[] } {
  return { file: 'unshare', args: ['--net', '--', 'bash', '-c', `${SETUP}; exec "$@"`, 'mockflow-voice', ...command] };
}
