// What a child prints reaches the server's log, without the secrets the server sent it.

import { describe, expect, it } from 'vitest';
import type { StartMessage } from '../../agent/protocol.ts';
import { REDACTED } from '../../shared/redact.ts';
import { LEAKY_AGENT, makePool, recorder, textStart, until } from './helpers.ts';

const KEY = 'sk-leak/Key+4242-abcdefgh';
const AGENT_TOKEN = 'lk-agent-token-not-a-jwt-5150';

function voiceStart(interviewId: string): StartMessage {
  return { ...textStart(interviewId, 'http://127.0.0.1:9/v1', KEY), mode: 'voice', livekit: { url: 'wss://lk.example.test', token: AGENT_TOKEN, room: 'mockflow-room', candidateIdentity: 'candidate-room' } };
}

describe("a child's output in the server log", () => {
  for (const warmSpare of [false, true]) {
    it(`never shows the key or token sent in start (${warmSpare ? 'from the warm spare' : 'freshly forked'})`, async () => {
      const { pool, logs, entries } = makePool({ entry: LEAKY_AGENT, warmSpare });
      // The spare is forked before any key is known; its output is cleaned with the keys it is given later.
      const spare = pool.sparePid();
      expect(spare !== undefined).toBe(warmSpare);
      const rec = recorder();
      const child = await pool.start({ start: voiceStart(`leaky-${warmSpare}`), ...rec.callbacks });
      if (warmSpare) expect(child.pid).toBe(spare);
      const printed = () => entries().filter((e) => String(e.msg).startsWith('leaky-agent:'));
      await until(() => printed().length === 4, 'the four lines the child printed', logs.lines);
      await rec.waitFor(() => rec.messages.some((m) => m.type === 'error'), 'the error message');

      const text = logs.text();
      for (const secret of [KEY, encodeURIComponent(KEY), AGENT_TOKEN, 'sk-unknown-shape-0987654321']) expect(text).not.toContain(secret);
      expect(printed().map((e) => e.msg).sort()).toEqual(
        [
          `leaky-agent: calling the model with key ${REDACTED}`,
          `leaky-agent: joining with token ${REDACTED}`,
          `leaky-agent: key=${REDACTED} done`,
          `leaky-agent: {"headers":{"authorization":"Bearer ${REDACTED}"}}`,
        ].sort(),
      );
      expect(printed().every((e) => e.interviewId === `leaky-${warmSpare}`)).toBe(true);
      // The child's error reaches the interview (and its record) without the key either.
      expect(rec.messages.find((m) => m.type === 'error')).toEqual({ type: 'error', provider: 'llm', message: `The model refused the key ${REDACTED}.` });
      await pool.shutdown(2_000);
    });
  }
});
