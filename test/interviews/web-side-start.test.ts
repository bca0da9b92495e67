// The web side of a start, whoever runs it (a runner elsewhere in a fleet, here a stand-in): the
// candidate's pass into the voice room the runner made is minted here with the owner's LiveKit
// keys, for that room only; a refused start leaves no events behind.
import { TokenVerifier } from 'livekit-server-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { userForIdentity } from '../../server/auth/users.ts';
import { parseConfig } from '../../server/config.ts';
import { createVault } from '../../server/crypto/vault.ts';
import type { Database } from '../../server/db/database.ts';
import { preconditionFailed } from '../../server/http/errors.ts';
import { InterviewEvents, InterviewService, type Runners, type StartJob } from '../../server/interviews/index.ts';
import { saveKeys } from '../../server/keys/store.ts';
import { TEST_ENCRYPTION_KEY, TEST_SECRET_KEY } from '../helpers/app.ts';
import { freshPglite } from '../helpers/databases.ts';
import { captureLogs } from '../helpers/logs.ts';

const vault = createVault([TEST_ENCRYPTION_KEY]);
const config = parseConfig({ NODE_ENV: 'test', ENCRYPTION_KEY: TEST_ENCRYPTION_KEY, SECRET_KEY: TEST_SECRET_KEY });
const VOICE = { candidate_name: 'Ada', job_role: 'Backend Engineer', experience_level: 'senior', mode: 'voice', patience: 'normal' } as const;

let db: Database;
let userId: string;
beforeAll(async () => {
  db = await freshPglite();
  userId = (await userForIdentity(db, 'google', 'sub-web-side', { name: 'Ada' })).id;
  await saveKeys(db, userId, { openai_key: 'sk-0000', livekit_url: 'wss://lk.example.test', livekit_api_key: 'APIweb', livekit_api_secret: 'secret-web-side-0000000000', deepgram_key: 'dg-0000', tts_provider: 'deepgram' }, vault);
});
afterAll(() => db.close());

/** A runner stand-in: admits, and answers each start as told. */
function runners(answer: (job: StartJob) => Promise<{ roomName?: string }>): Runners & { jobs: StartJob[] } {
  const jobs: StartJob[] = [];
  return {
    jobs,
    admit: async () => {},
    start: (job) => (jobs.push(job), answer(job)),
    command: async () => 'gone',
    running: () => true,
  };
}

function service(stand: Runners, events = new InterviewEvents()) {
  return new InterviewService({ db, runners: stand, events, publish: events, vault, config, logger: captureLogs().logger });
}

describe('the web side of a start', () => {
  it('mints the candidate’s pass into the room the runner made, with the owner’s LiveKit key, and hands the brief over', async () => {
    const stand = runners(async () => ({ roomName: 'mockflow-room-made-by-runner' }));
    const started = await service(stand).start(userId, { ...VOICE, resume_text: 'Ran the on-call rota.' });
    expect(started.livekit).toMatchObject({ url: 'wss://lk.example.test', room: 'mockflow-room-made-by-runner' });
    const claims = await new TokenVerifier('APIweb', 'secret-web-side-0000000000').verify(started.livekit!.token);
    expect(claims).toMatchObject({ iss: 'APIweb', video: { room: 'mockflow-room-made-by-runner', roomJoin: true } });
    expect(stand.jobs).toEqual([{ interviewId: started.id, userId, brief: { resumeText: 'Ran the on-call rota.', jobDescription: undefined } }]);
    await db.query('delete from public.interviews where id = $1', [started.id]);
  });

  it('answers with the runner’s refusal and forgets the interview’s events', async () => {
    const events = new InterviewEvents();
    const stand = runners(async (job) => {
      events.publish(job.interviewId, 'status', { status: 'starting' });
      throw preconditionFailed('Add a Deepgram key in Settings → Keys to start a voice interview.');
    });
    await expect(service(stand, events).start(userId, VOICE)).rejects.toMatchObject({ status: 412, message: 'Add a Deepgram key in Settings → Keys to start a voice interview.' });
    const id = stand.jobs[0]!.interviewId;
    expect(events.since(id, events.eventId(0))).toBeUndefined();
  });
});
