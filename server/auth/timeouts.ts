import http from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';

/** How long signing in waits for Google or Supabase Auth before telling the user. */
export const PROVIDER_TIMEOUT_MS = 15_000;

/** A fetch that gives up after `ms` (supabase-js takes one as `global.fetch`). */
export function fetchWithTimeout(ms: number): typeof fetch {
  return (input, init) => {
    const timeout = AbortSignal.timeout(ms);
    return fetch(input, { ...init, signal: init?.signal ? AbortSignal.any([init.signal, timeout]) : timeout });
  };
}

/**
 * An agent for the `oauth` package's requests, which have no timeout of their own: a connection
 * idle for `ms` (a provider that accepted it and never answered) is destroyed, failing the request.
 */
export function idleTimeoutAgent(protocol: string, ms: number): http.Agent {
  const agent = protocol === 'https:' ? new https.Agent() : new http.Agent();
  const create = agent.createConnection.bind(agent);
  agent.createConnection = (options, callback) => {
    const socket = create(options, callback) as Socket | null | undefined;
    socket?.setTimeout(ms, () => socket!.destroy(Object.assign(new Error(`no answer within ${ms} ms`), { code: 'ETIMEDOUT' })));
    return socket;
  };
  return agent;
}
