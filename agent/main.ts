// Entry point of the interview child process. Talks to the parent only over the IPC channel:
// keys arrive in `start`, never in argv or the environment.
//
// `ready` is sent once the pipeline is built, the session started (for voice, the agent is in
// the room) and the LLM has answered once, so the parent answers the browser only when the
// interviewer can actually talk. A pipeline that fails to build, or an LLM address where nothing
// answers, is reported as `error` then `ended`. Static imports here stay light so a bad `start`
// is refused at once: everything heavy is behind the dynamic import of ./session.ts.

import { checkLlmConnection } from './llm-check.ts';
import { routeLogsToStderr } from './logs.ts';
import { isParentMessage, startMessageProblem, startSecrets, type ChildMessage, type ParentMessage, type StartMessage } from './protocol.ts';
import { type EndReason } from '../shared/vocabulary.ts';
import type { RunningInterview } from './session.ts';

const EXIT_GRACE_MS = 3000;

// The pipeline's code starts loading now, not at `start`: most of a start's time is this import,
// and a child the pool forked ahead of time (its warm spare) has it done before `start` arrives.
const pipeline = Promise.all([import('@livekit/agents'), import('./session.ts')]);
pipeline.catch(() => undefined); // reported when `begin` awaits it

let started = false;
let ended = false;
let running: RunningInterview | undefined;
let stopRequested: EndReason | undefined;
const queued: ParentMessage[] = [];

function exitNow(): void {
  if (process.connected) process.disconnect();
  process.exit(0);
}

/** Every message to the parent goes through here; after `ended` the process exits once it is flushed. */
function send(message: ChildMessage): void {
  if (ended) return;
  if (message.type === 'ended') {
    ended = true;
    setTimeout(exitNow, EXIT_GRACE_MS).unref();
  }
  if (!process.connected || !process.send) {
    if (ended) exitNow();
    return;
  }
  process.send(message, undefined, {}, () => {
    if (message.type === 'ended') exitNow();
  });
}

function deliver(message: ParentMessage): void {
  if (!running) {
    queued.push(message);
    return;
  }
  switch (message.type) {
    case 'user_text':
      running.userText(String(message.text ?? ''));
      break;
    case 'skip_stage':
      running.skip(message.stage);
      break;
    case 'retry':
      running.retry();
      break;
    case 'stop':
      void running.stop(message.reason ?? 'candidate');
      break;
    case 'start':
      break; // one interview per process
  }
}

async function begin(start: StartMessage): Promise<void> {
  // Now, not once the pipeline has loaded: on a cold start the provider's round trip overlaps the load.
  const llmCheck = checkLlmConnection(start.keys);
  routeLogsToStderr(startSecrets(start));
  try {
    const [{ initializeLogger }, { runInterview }] = await pipeline;
    initializeLogger({ pretty: false, level: process.env.AGENT_LOG_LEVEL === 'info' ? 'info' : 'warn' });
    if (stopRequested) return send({ type: 'ended', reason: stopRequested });
    running = await runInterview({ start, send, llmCheck });
  } catch (error) {
    const failure = (error as { failure?: { provider: 'llm' | 'stt' | 'tts' | 'livekit'; message: string } }).failure;
    if (!failure) console.error('agent: the pipeline failed to start:', error instanceof Error ? error.name : typeof error);
    send({
      type: 'error',
      ...(failure ? { provider: failure.provider } : {}),
      message: failure?.message ?? 'The interviewer could not start — try again in a moment.',
    });
    return send({ type: 'ended', reason: 'error' });
  }
  send({ type: 'ready', ms: Math.round(performance.now()) });
  if (stopRequested) return void running.stop(stopRequested);
  running.begin();
  for (const message of queued.splice(0)) deliver(message);
}

process.on('message', (raw: unknown) => {
  if (!isParentMessage(raw)) return;
  if (raw.type === 'start') {
    if (started) return;
    started = true;
    const problem = startMessageProblem(raw);
    if (problem) {
      send({ type: 'error', message: `Invalid start message: ${problem}.` });
      return send({ type: 'ended', reason: 'error' });
    }
    void begin(raw as StartMessage);
    return;
  }
  if (raw.type === 'stop' && !running) {
    stopRequested = raw.reason ?? 'candidate';
    if (!started) send({ type: 'ended', reason: stopRequested });
    return;
  }
  deliver(raw);
});

// Some SDK paths reject a promise nobody awaits after they have reported the same failure as an
// `error` event (openai.TTS on a refused key, for one), which Node would turn into a crash that
// loses the plain message. LiveKit's own job runner installs this too; we run without it.
process.on('unhandledRejection', (reason) => {
  console.error('agent: unhandled rejection:', reason instanceof Error ? reason.name : typeof reason);
});

// The parent went away (crash, kill): nobody is left to report to, so stop now. No orphans.
process.on('disconnect', () => {
  if (ended) return;
  setTimeout(() => process.exit(0), EXIT_GRACE_MS).unref();
  if (running) void running.stop('shutdown').finally(() => process.exit(0));
  else process.exit(0);
});
