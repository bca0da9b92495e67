// Shared pieces for the agent tests: a scripted model, a hand-driven clock, start messages.

import { initializeLogger, loggerOptions, voice } from '@livekit/agents';
import type { ChildMessage, StartMessage, TranscriptItem } from '../../agent/protocol.ts';
import { runInterview, type RunningInterview } from '../../agent/session.ts';
import { waitFor } from '../helpers/wait.ts';

export type Reply = { content?: string; toolCalls?: Array<{ name: string; args: Record<string, unknown> }> };

/**
 * voice.testing.FakeLLM answering through a function of the model's input: the last user line,
 * or the output of a tool call ("Now in the …" / "Not yet: …"). Unmatched input gets a question.
 */
export class ScriptedLLM extends voice.testing.FakeLLM {
  readonly inputs: string[] = [];

  constructor(private readonly script: (input: string) => Reply | undefined) {
    super();
  }

  override lookup(input: string): voice.testing.FakeLLMResponse {
    this.inputs.push(input);
    return { input, ...(this.script(input) ?? { content: 'Could you tell me more about that?' }) };
  }
}

export const ADVANCE = [{ name: 'advance_stage', args: {} }];

export class Clock {
  constructor(public ms = 1_700_000_000_000) {}
  now = () => this.ms;
  advance(ms: number) {
    this.ms += ms;
  }
}

export function textStart(overrides: Partial<StartMessage['interview']> = {}): StartMessage {
  return {
    type: 'start',
    mode: 'text',
    keys: { llmApiKey: 'sk-test-key-123456', llmModel: 'gpt-4o-mini', ttsProvider: 'openai' },
    interview: {
      interviewId: 'iv-1',
      candidateName: 'Sam Lee',
      jobRole: 'Backend Engineer',
      experienceLevel: 'mid',
      ...overrides,
    },
  };
}

export interface TextHarness {
  running: RunningInterview;
  messages: ChildMessage[];
  items(): TranscriptItem[];
  stages(): Extract<ChildMessage, { type: 'stage' }>[];
  /** One candidate turn through the SDK's test entry point. */
  say(text: string): Promise<void>;
}

export async function startText(
  script: (input: string) => Reply | undefined,
  options: { clock?: Clock; start?: StartMessage } = {},
): Promise<TextHarness> {
  if (!loggerOptions()) initializeLogger({ pretty: false, level: 'error' });
  const messages: ChildMessage[] = [];
  const running = await runInterview({
    start: options.start ?? textStart(),
    send: (m) => messages.push(m),
    model: new ScriptedLLM(script),
    now: options.clock?.now,
  });
  running.begin();
  await waitFor(() => messages.some((m) => m.type === 'item'), { explain: 'the greeting', timeoutMs: 5_000 });
  return {
    running,
    messages,
    items: () => messages.flatMap((m) => (m.type === 'item' ? [m.item] : [])),
    stages: () => messages.filter((m): m is Extract<ChildMessage, { type: 'stage' }> => m.type === 'stage'),
    say: async (text) => {
      await running.session.run({ userInput: text }).wait();
    },
  };
}
