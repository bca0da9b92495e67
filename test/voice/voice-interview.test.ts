// Voice interviews end to end, as a candidate has them: LiveKit's real server, the agent from the
// production bundle, headless Chromium on the room page speaking into its microphone, and local
// fakes of the model, Deepgram and an OpenAI-compatible speech server, all inside a network
// namespace of the test's own (see namespace.ts and voice-run.ts). One interview with each voice.
//
// In CI (CI=true) it must run: anything missing fails it. Elsewhere it skips with the reason.

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../../server/paths.ts';
import { CHROMIUM_PATH } from '../browser/browser.ts';
import { hasLivekitServer, livekitServerPath } from './livekit-server.ts';
import { inNamespace, namespaceProblem } from './namespace.ts';
import { speechToolsProblem } from './speech.ts';
import {
  ANSWERS,
  INJECTED_TEXT,
  PAUSE_MS,
  PAUSED_ANSWER,
  SPEECH_MODEL,
  SPEECH_VOICE,
  type InterviewReport,
  type VoiceRunOptions,
  type VoiceRunReport,
} from './voice-run.ts';
import { END_OF_TURN_WAIT_MS } from '../../shared/vocabulary.ts';

const IN_CI = process.env.CI === 'true' || process.env.CI === '1';

function voiceTestProblem(): string | undefined {
  if (!hasLivekitServer()) {
    return `there is no livekit-server at ${livekitServerPath() || '~/.cache/mockflow'}: build it once with "bash scripts/livekit-server.sh" (needs Go)`;
  }
  if (!existsSync(CHROMIUM_PATH)) return `there is no Chromium at ${CHROMIUM_PATH} (apt-get install -y chromium)`;
  return speechToolsProblem() ?? namespaceProblem();
}

const problem = voiceTestProblem();
if (problem && !IN_CI) console.warn(`Voice end-to-end test skipped: ${problem}.`);

/** Runs voice-run.ts inside a fresh network namespace and returns its report. */
function runInNamespace(options: VoiceRunOptions): Promise<VoiceRunReport> {
  const { file, args } = inNamespace([process.execPath, '--import', 'tsx', 'test/voice/voice-run.ts']);
  // Real-time audio: the agent's turn detection times silences on the wall clock, so a voice run
  // starved of CPU by the test files beside it hears a pause shorter than it was, or an answer
  // in two. The run and everything it starts get a higher CPU priority than the rest of the
  // suite (it runs as root already, for the namespace), as a server would have to itself.
  const child = spawn('nice', ['-n', '-10', file, ...args], {
    cwd: ROOT,
    env: { ...process.env, MOCKFLOW_VOICE_RUN: JSON.stringify(options) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => {
      const last = stdout.trim().split('\n').at(-1) ?? '';
      try {
        resolve(JSON.parse(last) as VoiceRunReport);
      } catch {
        reject(new Error(`the voice run exited (${code}) without a report:\n${stderr.slice(-5000)}\n${stdout.slice(-2000)}`));
      }
    });
  });
}

describe.skipIf(problem !== undefined && !IN_CI)('voice interviews end to end (real LiveKit server, production bundle, Chromium)', () => {
  let report: VoiceRunReport;
  const each = (check: (interview: InterviewReport) => void) => {
    expect(report.interviews.map((i) => i.voice)).toEqual(['deepgram', 'openai']);
    for (const interview of report.interviews) check(interview);
  };

  beforeAll(async () => {
    if (problem) throw new Error(`The voice end-to-end test must run in CI, but ${problem}.`);
    // The run bundled the current sources the way `npm run build` does (test/setup/agent-bundle.ts).
    report = await runInNamespace({ voices: ['deepgram', 'openai'], pauses: ['quick', 'patient'] });
  }, 600_000);

  let explained = false;
  afterEach(({ task }) => {
    if (task.result?.state !== 'fail' || !report || explained) return;
    explained = true;
    const { diagnostics, ...seen } = report;
    console.error(
      [
        `What the voice run saw:\n${JSON.stringify(seen, null, 2)}`,
        `Browser console:\n${diagnostics.browser.join('\n')}`,
        `Server and agent logs:\n${diagnostics.server}`,
        `livekit-server:\n${diagnostics.livekit}`,
      ].join('\n\n'),
    );
  });

  it('runs both interviews to the end without a failed step', () => {
    expect(report.failure).toBeUndefined();
    expect(report.ok).toBe(true);
  });

  it('runs them as deployed when the run has PostgreSQL: each start through the queue, every event through the link', () => {
    const fleet = Boolean(process.env.TEST_DATABASE_SOCKET_URL);
    if (!fleet) console.warn('The voice run ran its interviews in one process on PGlite: TEST_DATABASE_SOCKET_URL is not set (.ci/with-postgres.sh sets it).');
    expect(report.ranAs).toBe(fleet ? 'fleet' : 'process');
    if (fleet) expect(report.queuedStarts).toBe(report.interviews.length + report.pauses.length);
  });

  it('greets the candidate in audio and with one caption', () => {
    each((interview) => {
      expect(interview.startStatus).toBe(201);
      expect(interview.greeting.audio.energy).toBeGreaterThan(0);
      expect(interview.greeting.text).toMatch(/^Hi Grace, I'm Alex/);
      expect(interview.greeting.captions).toEqual([interview.greeting.text]);
      // Captions came once per segment (the page reads the text streams only, not also the legacy packets).
      expect(interview.mostLiveCaptions).toBeLessThanOrEqual(1);
      expect(interview.pageCaptions.filter((c) => c === interview.greeting.text)).toHaveLength(1);
    });
  });

  it("hears the candidate's microphone: speech reaches STT, the turn closes and the model gets the transcript", () => {
    expect(report.sttConnections.length).toBeGreaterThanOrEqual(2);
    for (const connection of report.sttConnections) {
      expect(connection.audioMs).toBeGreaterThan(0);
      expect(connection.peakRms).toBeGreaterThan(0.01);
    }
    each((interview) => {
      expect(interview.turns.map((t) => t.answer)).toEqual(ANSWERS.slice(0, 3));
      for (const turn of interview.turns) {
        expect(turn.utteranceText).toBe(turn.answer);
        expect(turn.modelSawAnswer).toBe(true);
      }
    });
    for (const answer of ANSWERS.slice(0, 3)) expect(report.modelInputs).toContain(answer);
  });

  it('answers in audio through the chosen voice', () => {
    each((interview) => {
      for (const turn of interview.turns) expect(turn.audioEnergyAfter).toBeGreaterThan(turn.audioEnergyBefore);
      const spoken = interview.ttsTexts.join(' ').replace(/\s+/g, ' ');
      for (const line of interview.savedItems.filter((i) => i.role === 'assistant')) expect(spoken).toContain(line.text);
    });
  });

  it('greets the candidate, not another participant who joined the room first', () => {
    const seen = report.interviews.find((i) => i.voice === 'deepgram')?.otherParticipant;
    expect(seen).toBeDefined();
    expect(seen!.joinedAt).toBeLessThanOrEqual(seen!.candidateJoinAt);
    expect(seen!.greetingSpokenAt).toBeGreaterThan(seen!.candidateJoinAt);
  });

  it('saves every line as it is said, in order, in the event stream and the database alike', () => {
    each((interview) => {
      expect(interview.savedItems).toEqual(interview.streamItems);
      const userLines = interview.savedItems.filter((i) => i.role === 'user').map((i) => i.text);
      expect(userLines).toEqual(ANSWERS.slice(0, 3));
      const replies = interview.savedItems.filter((i) => i.role === 'assistant').map((i) => i.text);
      for (const turn of interview.turns) expect(replies).toContain(turn.replyText);
      expect(interview.pageCaptions).toEqual(interview.savedItems.map((i) => i.text));
    });
  });

  it("advances the stage by the agent's tool, then by the page's Skip button", () => {
    each((interview) => {
      expect(interview.stageAfterTool).toBe('self_intro');
      expect(interview.stageAfterSkip).toBe('past_experience');
      expect(interview.stages).toEqual([
        { stage: 'self_intro', by: 'agent' },
        { stage: 'past_experience', by: 'candidate' },
      ]);
      const saved = (text: string) => interview.savedItems.find((i) => i.text === text);
      expect(saved(ANSWERS[0]!)?.stage).toBe('welcome');
      expect(saved(ANSWERS[2]!)?.stage).toBe('past_experience');
    });
  });

  it('rejoins the same interview after a page reload, with the conversation so far', () => {
    each((interview) => {
      expect(interview.reload.sameInterview).toBe(true);
      expect(interview.reload.statusAfterRejoin).toMatch(/interviewer is here/);
      expect(interview.reload.captionsAfterReload).toBeGreaterThanOrEqual(6);
      expect(interview.turns[2]?.replyText).toBeTruthy();
    });
  });

  it('ends on End: the child exits, LiveKit reports the room empty, the slot is free', () => {
    each((interview) => {
      expect(interview.end).toMatchObject({ endedBy: 'candidate', status: 'ended', childExited: true, roomEmpty: true, slotsFree: true });
      expect(interview.end.pageUrl).toMatch(new RegExp(`/interviews/${interview.id}$`));
    });
  });

  it("gives the page no way into the agent SDK's text input or remote session", () => {
    expect(report.modelSawInjectedText).toBe(false);
    expect(report.modelInputs.some((input) => input.includes(INJECTED_TEXT))).toBe(false);
    each((interview) => expect(interview.sessionTopicStreams).toBe(0));
  });

  it('speaks through the self-hosted speech server with the saved model and voice', () => {
    const openai = report.interviews.find((i) => i.voice === 'openai');
    expect(openai?.ttsTexts.length).toBeGreaterThan(0);
    expect(openai?.speechRequests.length).toBeGreaterThan(0);
    for (const request of openai?.speechRequests ?? []) {
      expect(request).toEqual({ model: SPEECH_MODEL, voice: SPEECH_VOICE, format: 'pcm', authorized: true });
    }
    const deepgram = report.interviews.find((i) => i.voice === 'deepgram');
    expect(deepgram?.speechRequests).toEqual([]);
  });

  it(`takes a ${PAUSE_MS / 1000} s pause mid-answer as the end of the answer only when the candidate chose a quick interviewer`, () => {
    expect(END_OF_TURN_WAIT_MS.quick).toBeLessThan(PAUSE_MS);
    expect(END_OF_TURN_WAIT_MS.patient).toBeGreaterThan(PAUSE_MS);
    const byPatience = Object.fromEntries(report.pauses.map((p) => [p.patience, p]));
    expect(byPatience.patient?.userLines).toEqual([`${PAUSED_ANSWER[0]} ${PAUSED_ANSWER[1]}`]);
    expect(byPatience.quick?.userLines).toEqual([...PAUSED_ANSWER]);
    for (const pause of report.pauses) expect(pause.end).toEqual({ endedBy: 'candidate', childExited: true });
  });
});

