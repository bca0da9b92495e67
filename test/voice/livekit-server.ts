// LiveKit's open-source server (built by scripts/livekit-server.sh) in --dev mode, for the voice
// end-to-end test and bench:voice. It runs inside the network namespace the test made, advertises
// the namespace's address (--node-ip) and hands out only our own STUN server, never a public one.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../../server/paths.ts';

export const DEV_API_KEY = 'devkey';
export const DEV_API_SECRET = 'secret';
export const SIGNAL_PORT = 7880;

/** Where scripts/livekit-server.sh keeps the binary (it builds nothing with --path). */
export function livekitServerPath(): string {
  if (process.env.LIVEKIT_SERVER_BIN) return process.env.LIVEKIT_SERVER_BIN;
  const out = spawnSync('bash', [join(ROOT, 'scripts', 'livekit-server.sh'), '--path'], { encoding: 'utf8' });
  return out.stdout.trim();
}

export function hasLivekitServer(): boolean {
  const path = livekitServerPath();
  return path !== '' && existsSync(path);
}

export interface LiveKitServer {
  /** ws://127.0.0.1:7880, what a user saves as their LiveKit URL (ICE candidates carry the node IP). */
  url: string;
  /** http://127.0.0.1:7880, for the server SDK. */
  httpUrl: string;
  process: ChildProcess;
  logs(): string;
  close(): Promise<void>;
}

export async function startLiveKitServer(nodeIp: string): Promise<LiveKitServer> {
  const dir = mkdtempSync(join(tmpdir(), 'mockflow-livekit-'));
  const config = join(dir, 'livekit.yaml');
  writeFileSync(
    config,
    [
      `port: ${SIGNAL_PORT}`,
      // Signalling on loopback too: that is what the user saves (loopback is allowed outside production); media goes to the node IP.
      `bind_addresses: ["127.0.0.1", "${nodeIp}"]`,
      'rtc:',
      '  tcp_port: 7881',
      '  udp_port: 7882',
      `  node_ip: ${nodeIp}`,
      '  use_external_ip: false',
      // Non-empty, so the server does not hand out Google's; nothing answers here, and host candidates are enough.
      `  stun_servers: ["${nodeIp}:3478"]`,
      'keys:',
      `  ${DEV_API_KEY}: ${DEV_API_SECRET}`,
      'logging:',
      '  level: info',
      '',
    ].join('\n'),
  );
  const child = spawn(livekitServerPath(), ['--dev', '--config', config, '--node-ip', nodeIp], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const listening = new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('starting LiveKit server')) resolve();
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`livekit-server exited (${code}) before it listened:\n${output.slice(-3000)}`)));
  });
  await listening;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    url: `ws://127.0.0.1:${SIGNAL_PORT}`,
    httpUrl: `http://127.0.0.1:${SIGNAL_PORT}`,
    process: child,
    logs: () => output,
    close: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
