import type { SupabaseClient } from '@supabase/supabase-js';
import { fetchWithTimeout, PROVIDER_TIMEOUT_MS } from './timeouts.ts';
import type { Profile } from './users.ts';

export class SupabaseAuthError extends Error {
  override name = 'SupabaseAuthError';
}

export interface SupabaseAuth {
  /** Exchanges a Google ID token for the Supabase Auth user (created on first sign-in). */
  signInWithGoogleIdToken(idToken: string): Promise<{ id: string; profile: Profile }>;
  /** Deletes the Supabase Auth user; needs the service-role key. Returns false without it. */
  deleteUser(id: string): Promise<boolean>;
}

/** supabase-js (and ws) are imported at the first sign-in or deletion, not at start-up (server memory). */
async function client(url: string, key: string, timeoutMs: number): Promise<SupabaseClient> {
  const [{ createClient }, { default: WebSocket }] = await Promise.all([import('@supabase/supabase-js'), import('ws')]);
  return createClient(url, key, {
    auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
    // A Supabase that accepts the connection and never answers would otherwise hold the request for minutes.
    global: { fetch: fetchWithTimeout(timeoutMs) },
    // Node 20 has no global WebSocket; realtime is unused but constructed.
    realtime: { transport: WebSocket as never },
  });
}

export function createSupabaseAuth(options: { url: string; anonKey: string; serviceRoleKey?: string; timeoutMs?: number }): SupabaseAuth {
  const timeoutMs = options.timeoutMs ?? PROVIDER_TIMEOUT_MS;
  return {
    async signInWithGoogleIdToken(idToken) {
      const { data, error } = await (await client(options.url, options.anonKey, timeoutMs)).auth.signInWithIdToken({ provider: 'google', token: idToken });
      if (error || !data.user) {
        // supabase-js names a refused connection, a timeout and a 502/503/504 this way.
        const what = error?.name === 'AuthRetryableFetchError' ? 'could not be reached' : 'did not accept the Google sign-in';
        throw new SupabaseAuthError(`Supabase Auth ${what}${error?.message ? `: ${error.message}` : ''}`);
      }
      const meta = (data.user.user_metadata ?? {}) as Record<string, unknown>;
      return {
        id: data.user.id,
        profile: {
          email: data.user.email ?? undefined,
          name: str(meta.full_name) ?? str(meta.name),
          avatarUrl: str(meta.avatar_url) ?? str(meta.picture),
        },
      };
    },
    async deleteUser(id) {
      if (!options.serviceRoleKey) return false;
      const { error } = await (await client(options.url, options.serviceRoleKey, timeoutMs)).auth.admin.deleteUser(id);
      if (error && error.status !== 404) throw new SupabaseAuthError(`Supabase Auth could not delete the user: ${error.message}`);
      return true;
    },
  };
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
