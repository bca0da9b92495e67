import request from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { withUser } from '../../server/db/database.ts';
import { startFakeGoogle, type FakeGoogle } from '../fakes/google.ts';
import { startFakeSupabaseAuth, type FakeSupabaseAuth } from '../fakes/supabase-auth.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { csrfToken, signInLocally, signInWithGoogle, type Agent } from '../helpers/session.ts';

let app: TestApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function seedRows(app: TestApp, userId: string): Promise<void> {
  await withUser(app.db, userId, async (tx) => {
    await tx.query('insert into user_api_keys (user_id, openai_key) values ($1, $2)', [userId, 'gAAAA-token']);
    const i = await tx.query<{ id: string }>('insert into interviews (user_id, candidate_name) values ($1, $2) returning id', [userId, 'Me']);
    await tx.query('insert into feedback (user_id, interview_id, feedback_data) values ($1, $2, $3)', [userId, i.rows[0]!.id, {}]);
  });
}

async function counts(app: TestApp, userId: string) {
  const result: Record<string, number> = {};
  for (const table of ['auth.users', 'public.user_api_keys', 'public.interviews', 'public.feedback', 'mockflow.identities']) {
    const column = table === 'auth.users' ? 'id' : 'user_id';
    result[table] = (await app.db.query<{ n: number }>(`select count(*)::int as n from ${table} where ${column} = $1`, [userId])).rows[0]!.n;
  }
  return result;
}

async function me(agent: Agent): Promise<string> {
  return (await agent.get('/api/me').expect(200)).body.id;
}

describe('account deletion', () => {
  it('needs the typed confirmation, then removes every row the user owns and signs them out everywhere', async () => {
    app = await startTestApp();
    const { agent, token, userId } = await signInLocally(app);
    const otherTab = await signInLocally(app);
    await seedRows(app, userId);

    const settings = await agent.get('/settings');
    expect(settings.text).toContain('delete my account');
    const deleteAccount = (confirm: string) => agent.post('/settings/account/delete').type('form').send({ _csrf: token, confirm });
    await deleteAccount('yes').expect(303).expect('location', '/settings?confirm=mismatch#confirm-delete');
    expect((await agent.get('/settings?confirm=mismatch')).text).toContain('Nothing was deleted');
    expect((await counts(app, userId))['public.interviews']).toBe(1);

    await deleteAccount('Delete My Account').expect(303).expect('location', '/?deleted=1');
    expect(await counts(app, userId)).toEqual({
      'auth.users': 0,
      'public.user_api_keys': 0,
      'public.interviews': 0,
      'public.feedback': 0,
      'mockflow.identities': 0,
    });
    await agent.get('/dashboard').expect(303);
    await otherTab.agent.get('/dashboard').expect(303);
  });

  describe('with Supabase Auth', () => {
    let google: FakeGoogle;
    let supabase: FakeSupabaseAuth;
    beforeAll(async () => {
      google = await startFakeGoogle({ sub: 'g-42', email: 'grace@example.test', name: 'Grace Hopper' });
      supabase = await startFakeSupabaseAuth();
    });
    afterAll(async () => {
      await google.close();
      await supabase.close();
    });

    it('deletes the Supabase Auth user through the admin API too', async () => {
      app = await startTestApp({
        env: {
          GOOGLE_CLIENT_ID: 'cid',
          GOOGLE_CLIENT_SECRET: 'csecret',
          GOOGLE_AUTHORIZATION_URL: google.authorizationUrl,
          GOOGLE_TOKEN_URL: google.tokenUrl,
          GOOGLE_USERINFO_URL: google.userInfoUrl,
          SUPABASE_URL: supabase.url,
          SUPABASE_ANON_KEY: supabase.anonKey,
          SUPABASE_SERVICE_ROLE_KEY: supabase.serviceRoleKey,
        },
      });
      const browser = request.agent(app.server);
      await signInWithGoogle(browser);
      const userId = await me(browser);
      expect(userId).toBe(supabase.users.get('g-42')!.id);
      await seedRows(app, userId);

      const token = await csrfToken(browser);
      await browser.delete('/api/account').set('x-csrf-token', token).send({ confirm: 'delete my account' }).expect(204);
      expect(supabase.deleted).toEqual([userId]);
      expect((await counts(app, userId))['public.interviews']).toBe(0);
    });

    it('deletes nothing when Supabase Auth does not confirm, and says so', async () => {
      app = await startTestApp({
        env: {
          GOOGLE_CLIENT_ID: 'cid',
          GOOGLE_CLIENT_SECRET: 'csecret',
          GOOGLE_AUTHORIZATION_URL: google.authorizationUrl,
          GOOGLE_TOKEN_URL: google.tokenUrl,
          GOOGLE_USERINFO_URL: google.userInfoUrl,
          SUPABASE_URL: supabase.url,
          SUPABASE_ANON_KEY: supabase.anonKey,
          SUPABASE_SERVICE_ROLE_KEY: 'wrong-service-key',
        },
      });
      const browser = request.agent(app.server);
      await signInWithGoogle(browser);
      const userId = await me(browser);
      await seedRows(app, userId);
      const token = await csrfToken(browser);
      const reply = await browser.delete('/api/account').set('x-csrf-token', token).send({ confirm: 'delete my account' }).expect(502);
      expect(reply.body.message).toMatch(/nothing was deleted/);
      expect((await counts(app, userId))['public.interviews']).toBe(1);
    });
  });
});
