import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAI, type ChatCompletionRequestBody, type FakeOpenAI, type FakeReply } from '../fakes/openai-llm.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { signInLocally } from '../helpers/session.ts';
import { openEvents, type SseEvent } from '../helpers/sse.ts';
import { LLM_KEY, saveTextKeys, START_TEXT } from './helpers.ts';

// The model's script: one reply per candidate turn, and after the second turn it moves on to
// the self-introduction (`advance_stage`, allowed at once in the welcome) before asking.
const TURNS = [
  { text: 'I build payment systems.', reply: 'What do you build them with?' },
  { text: 'Mostly Go and Postgres.', reply: 'Tell me how you got into backend work?', advances: true },
  { text: 'I led a migration last year.', reply: 'How did that migration go?' },
];

function interviewer(body: ChatCompletionRequestBody): FakeReply {
  const last = body.messages?.at(-1);
  if (last?.role === 'tool') return TURNS[1]!.reply;
  const said = typeof last?.content === 'string' ? last.content : JSON.stringify(last?.content);
  const turn = TURNS.find((t) => said.includes(t.text));
  if (!turn) return 'Could you say that again?';
  return turn.advances ? { toolCalls: [{ name: 'advance_stage', arguments: {} }] } : turn.reply;
}

let llm: FakeOpenAI;
let app: TestApp | undefined;
beforeAll(async () => {
  llm = await startFakeOpenAI({ apiKey: LLM_KEY, defaultReply: interviewer });
});
afterAll(() => llm.close());
afterEach(async () => {
  await app?.close();
  app = undefined;
});

const isItem = (role: 'user' | 'assistant') => (e: SseEvent) => e.event === 'item' && e.data.role === role;

describe('a text interview over HTTP', () => {
  it('starts, greets on the event stream, takes three turns, ends, and keeps every line in order with its stage', async () => {
    app = await startTestApp();
    const user = await signInLocally(app);
    const { agent, token } = user;
    await saveTextKeys(user, llm.url);

    const started = await agent.post('/api/interviews').set('x-csrf-token', token).send(START_TEXT);
    expect(started.status, started.text).toBe(201);
    const { id, mode, status } = started.body;
    expect({ mode, status }).toEqual({ mode: 'text', status: 'live' });
    expect(started.body.livekit).toBeUndefined();

    const stream = await openEvents(`${app.url}/api/interviews/${id}/events`, { cookie: user.cookie });
    let last = await stream.next((e) => e.event === 'item' || (e.event === 'snapshot' && e.data.items.length > 0));
    const greeting = last.event === 'item' ? last.data : last.data.items[0];
    expect(greeting).toMatchObject({ role: 'assistant', stage: 'welcome' });
    expect(greeting.text).toContain('Ada');

    // Each turn waits for its own reply: the first assistant line after the candidate's line.
    const seen = [greeting];
    for (const turn of TURNS) {
      const sent = await agent.post(`/api/interviews/${id}/messages`).set('x-csrf-token', token).send({ text: turn.text });
      expect(sent.status).toBe(202);
      const answer = await stream.next(isItem('user'), { after: last });
      expect(answer.data.text).toBe(turn.text);
      last = await stream.next(isItem('assistant'), { after: answer });
      expect(last.data.text).toBe(turn.reply);
      seen.push(answer.data, last.data);
    }
    const moved = stream.events.filter((e) => e.event === 'stage');
    expect(moved.map((e) => e.data)).toEqual([expect.objectContaining({ stage: 'self_intro', previous: 'welcome', skipped: [], by: 'agent' })]);

    const ended = await agent.post(`/api/interviews/${id}/end`).set('x-csrf-token', token);
    expect(ended.status).toBe(200);
    await stream.next((e) => e.event === 'ended', { after: last });
    stream.close();

    const record = (await agent.get(`/api/interviews/${id}`)).body;
    expect(record).toMatchObject({ status: 'ended', endedBy: 'candidate', mode: 'text', jobRole: 'Backend Engineer', finalStage: 'self_intro', skippedStages: [] });
    const lines = record.items.map((i: { role: string; text: string; stage: string }) => [i.role, i.text, i.stage]);
    // A candidate's answer belongs to the stage of the question it answers; a reply to the stage it was given in.
    expect(lines).toEqual([
      ['assistant', greeting.text, 'welcome'],
      ['user', 'I build payment systems.', 'welcome'],
      ['assistant', 'What do you build them with?', 'welcome'],
      ['user', 'Mostly Go and Postgres.', 'welcome'],
      ['assistant', 'Tell me how you got into backend work?', 'self_intro'],
      ['user', 'I led a migration last year.', 'self_intro'],
      ['assistant', 'How did that migration go?', 'self_intro'],
    ]);
    // The live stream showed the same lines, once each, in the same order.
    expect(seen.map((i) => i.id)).toEqual(record.items.map((i: { id: string }) => i.id));
    expect(app.pool.active()).toBe(0);
    // The key went to the model provider and nowhere else.
    expect(app.logs.text()).not.toContain(LLM_KEY);
  });
});
