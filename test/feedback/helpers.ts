import type { Agent } from '../helpers/session.ts';
import { waitFor } from '../helpers/wait.ts';

/** The interview's feedback once it is no longer generating, asked for as the interview page asks. */
export async function generatedFeedback(agent: Agent, id: string): Promise<any> {
  let last: unknown;
  return waitFor(
    async () => {
      const { body } = await agent.get(`/api/interviews/${id}/feedback`).expect(200);
      last = body;
      return body.status !== 'generating' && body;
    },
    { explain: () => `the feedback to be generated; last answer: ${JSON.stringify(last)}` },
  );
}
