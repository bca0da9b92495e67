// The signed-out landing page says what MockFlow is and where a user's own keys go.
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app?.close());

describe('the landing page', () => {
  it('says you bring your own keys and where they go', async () => {
    const reply = await request(app.server).get('/').expect(200);
    const text = reply.text.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');
    expect(text).toContain('You bring your own keys. Here is where they go.');
    expect(text).toContain('stored on this server, encrypted at rest');
    expect(text).toContain('shown back only as their last 4 characters');
    expect(text).toContain(
      'used only to call the providers you chose (your LiveKit project, your language-model provider, Deepgram) for your own interviews, feedback and key checks',
    );
    expect(text).toContain('never sent anywhere else, and never to the browser');
    expect(reply.text).toContain('Continue as local user');
  });
});
