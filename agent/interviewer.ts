// The interviewer agent: one tool (advance_stage) and instructions rebuilt from the stage
// machine before every model call, so a stage change applies to the very next sentence —
// including the reply that follows the tool call.

import { llm, voice } from '@livekit/agents';
import type { Interview } from './interview.ts';
import { ADVANCE_STAGE_DESCRIPTION } from './prompts.ts';

export class Interviewer extends voice.Agent {
  private readonly interview: Interview;

  constructor(interview: Interview) {
    super({
      instructions: interview.instructions(),
      tools: [
        llm.tool({
          name: 'advance_stage',
          description: ADVANCE_STAGE_DESCRIPTION,
          execute: async () => interview.advanceByAgent(),
        }),
      ],
    });
    this.interview = interview;
  }

  override async llmNode(
    chatCtx: llm.ChatContext,
    toolCtx: llm.ToolContext,
    modelSettings: voice.ModelSettings,
  ): ReturnType<voice.Agent['llmNode']> {
    this.interview.beforeModelCall();
    replaceInstructions(chatCtx, this.interview.instructions());
    return voice.Agent.default.llmNode(this, chatCtx, toolCtx, modelSettings);
  }
}

/** Swaps the system message of this call's context copy (the agent's own history is untouched). */
function replaceInstructions(chatCtx: llm.ChatContext, text: string): void {
  const index = chatCtx.items.findIndex((item) => item.type === 'message' && item.role === 'system');
  const current = index >= 0 ? chatCtx.items[index] : undefined;
  const message = llm.ChatMessage.create({
    role: 'system',
    content: [text],
    ...(current ? { id: current.id, createdAt: current.createdAt } : {}),
  });
  if (index >= 0) chatCtx.items[index] = message;
  else chatCtx.items.unshift(message);
}
