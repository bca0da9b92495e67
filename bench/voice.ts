// Benchmark: voice interviews as a candidate has them, on the production build started as Render
// starts it (render.yaml's node flags and MALLOC_ARENA_MAX=2), with LiveKit's real server in --dev
// mode, headless Chromium on the room page speaking espeak-ng answers into its microphone, and
// instant local fakes (the model, Deepgram STT ending an utterance 100 ms into a silence, Deepgram
// TTS). Everything runs in a network namespace of its own (test/voice/namespace.ts): run it as
// root, after `npm run build` and `bash scripts/livekit-server.sh`.
//
// Progress on stderr, one JSON line last on stdout:
//   turnOverheadMsP50 / P90   end of the candidate's speech in the browser's microphone → the
//                             interviewer's first audible sample decoded by the browser, minus
//                             endOfTurnWaitMs: what the pipeline itself costs (VAD, STT
//                             finalisation, turn logic, IPC, model and voice plumbing, LiveKit)
//   endOfTurnWaitMs           the wait that ends a turn at the patience used (agent/protocol.ts)
//   greetingMsP50             POST /api/interviews → the greeting's first audible sample, warm spare on
//   voiceChildAnonMb          anonymous memory of the voice child mid-interview (smaps_rollup)
//   serverPlusThreeVoicePssMb PSS of the server plus three voice interviews live at once
//   ttsFirstAudioMsP50        bench/tts-first-audio.ts: OpenAI voice, streaming vs the plugin
// Targets on the 2-core machine: turnOverheadMsP50 ≤ 150, greetingMsP50 ≤ 1500,
// voiceChildAnonMb ≤ 130, serverPlusThreeVoicePssMb ≤ 460.
//
//   npm run bench:voice        (INTERVIEWS=3 sequential interviews of 4 answers each, PATIENCE=normal)
// BENCH_DATABASE_URL runs the server on PostgreSQL instead of embedded PGlite (through a Unix
// socket: the namespace has a loopback of its own). AGENT_LOG_LEVEL=debug and BENCH_SERVER_LOG=<file>
// keep the server's and agents' logs, to see where a turn's time went.

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { END_OF_TURN_WAIT_MS, PATIENCE_LEVELS, type Patience } from '../shared/vocabulary.ts';
import { ROOT } from '../server/paths.ts';
import { CHROMIUM_PATH, launchBrowser } from '../test/browser/browser.ts';
import { startFakeDeepgram } from '../test/fakes/deepgram.ts';
import { startFakeOpenAI } from '../test/fakes/openai-llm.ts';
import { startFakeOpenAISpeech } from '../test/fakes/openai-speech.ts';
import { childProcesses, processCpuTicks, processMemory, processStartTicks } from '../test/helpers/processes.ts';
import { hasLivekitServer, startLiveKitServer } from '../test/voice/livekit-server.ts';
import { inNamespace, namespaceProblem, NODE_IP } from '../test/voice/namespace.ts';
import { pageAudioScript } from '../test/voice/page-audio.ts';
import { MIC_SAMPLE_RATE, speechToolsProblem, synthesizeSpeech } from '../test/voice/speech.ts';
import { DEEPGRAM_KEY, joinRoom, LLM_KEY, saveKeys, SPEECH_KEY, startFromForm, voiceKeys } from '../test/voice/voice-run.ts';
import { startBenchServer } from './server.ts';
import { percentile } from './stats.ts';
import { ttsFirstAudio } from './tts-first-audio.ts';

const INTERVIEWS = Number(process.env.INTERVIEWS ?? 3);
const PATIENCE = (process.env.PATIENCE ?? 'normal') as Patience;
const NODE_FLAGS = ['--max-semi-space-size=1', '--max-old-space-size=96'];
const SERVER_BUILD = join(ROOT, 'dist', 'server', 'main.js');
const ANSWERS = [
  'I have built payment systems for six years.',
  'I led the move of our billing service to a queue.',
  'I like teams that write things down.',
  'The hardest bug I fixed was a race in our retry logic.',
];
const IN_NAMESPACE = 'MOCKFLOW_BENCH_IN_NAMESPACE';

const progress = (message: string) => process.stderr.write(`bench:voice: ${message}\n`);
const round = (value: number) => Math.round(value * 10) / 10;

interface AgentTurnTimes {
  endOfUtteranceDelayMs: number | null;
  llmTtftMs: number | null;
  ttsTtfbMs: number | null;
}

interface SavedInterview {
  items: { role: string; startedAt?: number; endedAt?: number }[];
  responseTimes: { turns: AgentTurnTimes[] };
}

/** One answer: when the browser's microphone stopped speaking it, and when the reply was first heard. */
interface HeardTurn {
  speechEndedAt: number;
  heardAt: number;
}

/**
 * Where one turn's time went, from the saved lines' times (the agent's clock is the machine's):
 * input   the end of the speech in the browser → the end of speech the agent's VAD found
 *         (WebRTC uplink, LiveKit, the VAD's own lag)
 * agent   that → the agent's first reply audio, minus the end-of-turn wait (turn logic, model, voice)
 * output  the agent's first reply audio → heard in the browser (LiveKit, WebRTC downlink, playout)
 */
interface TurnLegs {
  inputMs: number;
  agentMs: number;
  outputMs: number;
}

function turnLegs(items: SavedInterview['items'], heard: HeardTurn[], waitMs: number): TurnLegs[] {
  const legs: TurnLegs[] = [];
  let answer = 0;
  for (const [i, item] of items.entries()) {
    const reply = items[i + 1];
    const turn = heard[answer];
    if (item.role !== 'user' || !turn) continue;
    answer++;
    if (reply?.role !== 'assistant' || item.endedAt === undefined || reply.startedAt === undefined) continue;
    legs.push({
      inputMs: item.endedAt - turn.speechEndedAt,
      agentMs: reply.startedAt - item.endedAt - waitMs,
      outputMs: turn.heardAt - reply.startedAt,
    });
  }
  return legs;
}

/** The epoch ms of a start's steps, as the browser saw them. */
interface StartedInterview {
  id: string;
  postedAt: number;
  answeredAt: number;
  /** The room page pressed join (at once: a candidate takes longer). */
  joinedAt: number;
  connectedAt: number;
  heardAt: number;
}

/**
 * Where the greeting's time went:
 * start    POST /api/interviews → its answer (checks, the warm child taking the interview and joining the room)
 * page     → join pressed on the room page (the page loading)
 * connect  → the room connected in the browser
 * agent    → the interviewer's first greeting audio (it sees the candidate, the model, the voice)
 * output   → heard in the browser
 */
function greetingLegs(started: StartedInterview, items: SavedInterview['items']): Record<'start' | 'page' | 'connect' | 'agent' | 'output', number> {
  const firstAudioAt = items.find((item) => item.role === 'assistant')?.startedAt ?? NaN;
  return {
    start: started.answeredAt - started.postedAt,
    page: started.joinedAt - started.answeredAt,
    connect: started.connectedAt - started.joinedAt,
    agent: firstAudioAt - started.connectedAt,
    output: started.heardAt - firstAudioAt,
  };
}

interface Heard {
  onsets: number[];
  quiets: number[];
}

/** Epoch ms of the page's first audible sample after `after` (see fixtures/page-audio.js). */
async function onsetAfter(page: Page, after: number, what: string): Promise<number> {
  const handle = await page
    .waitForFunction((t) => (window as unknown as { __heard: Heard }).__heard.onsets.find((at) => at > t), after, { timeout: 30_000, polling: 20 })
    .catch(async () => {
      const state = await page.evaluate(async () => {
        const w = window as unknown as { __heard: Heard; __audioIn(): Promise<unknown> };
        return { heard: w.__heard, audioIn: await w.__audioIn() };
      });
      throw new Error(`no interviewer audio in the browser for ${what}: ${JSON.stringify(state)}`);
    });
  return (await handle.jsonValue()) as number;
}

/** Resolves once the interviewer has gone quiet (the page's last onset has its quiet). */
async function interviewerQuiet(page: Page): Promise<void> {
  await page.waitForFunction(
    () => {
      const { onsets, quiets } = (window as unknown as { __heard: Heard }).__heard;
      return onsets.length > 0 && quiets.length >= onsets.length;
    },
    undefined,
    { timeout: 30_000, polling: 50 },
  );
}

/** The speech without its trailing silence, so that the end of playing is the end of speaking. */
function trimmedSpeech(text: string): Buffer {
  const pcm = synthesizeSpeech(text);
  let end = pcm.length / 2;
  while (end > 0 && Math.abs(pcm.readInt16LE((end - 1) * 2)) < 0.01 * 32768) end--;
  return pcm.subarray(0, end * 2);
}

function agentMedian(turns: AgentTurnTimes[], measure: keyof AgentTurnTimes): number {
  return Math.round(percentile(turns.map((t) => t[measure]).filter((v): v is number => v !== null), 50));
}

/** The server's children now, oldest first. */
function children(serverPid: number): number[] {
  return childProcesses(serverPid)
    .map((c) => c.pid)
    .sort((a, b) => processStartTicks(a) - processStartTicks(b));
}

/** Waits until the server has `count` children and the newest (the warm spare) has stopped loading code. */
async function spareSettled(serverPid: number, count: number): Promise<void> {
  const deadline = Date.now() + 60_000;
  let last = -1;
  for (;;) {
    const pids = children(serverPid);
    const cpu = pids.length === count ? processCpuTicks(pids.at(-1)!) : -1;
    if (cpu >= 0 && cpu === last) return;
    if (Date.now() > deadline) throw new Error(`the server did not settle with ${count} children (has ${pids.length})`);
    last = cpu;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

async function main(): Promise<void> {
  if (!existsSync(SERVER_BUILD)) throw new Error('there is no production build: run "npm run build" first');
  let speaking = '';
  let questions = 0;
  const [livekit, llm, deepgram, speech] = await Promise.all([
    startLiveKitServer(NODE_IP),
    startFakeOpenAI({ apiKey: LLM_KEY, defaultReply: () => `Question ${++questions}: what did you learn from that?` }),
    startFakeDeepgram({ apiKey: DEEPGRAM_KEY, transcripts: () => speaking }),
    startFakeOpenAISpeech({ apiKey: SPEECH_KEY }),
  ]);
  const server = await startBenchServer({ compiled: true, nodeArgs: NODE_FLAGS, env: { MALLOC_ARENA_MAX: '2' }, passEnv: ['LOG_LEVEL', 'AGENT_LOG_LEVEL'] });
  const serverPid = server.child.pid!;
  const browser = await launchBrowser(['--autoplay-policy=no-user-gesture-required']);
  const browserLog: string[] = [];
  const speechOf = new Map(ANSWERS.map((answer) => [answer, trimmedSpeech(answer).toString('base64')]));

  /** Speaks an answer; resolves with when its speech ended and when the interviewer was first heard. */
  async function turn(page: Page, answer: string): Promise<HeardTurn> {
    speaking = answer;
    const said = await page.evaluate((b64) => (window as unknown as { __mic: { say(b: string): Promise<{ startedAt: number; endedAt: number }> } }).__mic.say(b64), speechOf.get(answer)!);
    const heardAt = await onsetAfter(page, said.startedAt, `the answer "${answer}"`);
    await interviewerQuiet(page);
    return { speechEndedAt: said.endedAt, heardAt };
  }

  /** Starts an interview from the form and joins; resolves with the ms from the POST to the greeting's first sound. */
  async function startAndJoin(page: Page): Promise<StartedInterview> {
    let postedAt = 0;
    let answeredAt = 0;
    const onRequest = (request: { url(): string; method(): string }) => {
      if (request.method() === 'POST' && request.url().endsWith('/api/interviews')) postedAt = Date.now();
    };
    const onResponse = (response: { url(): string; request(): { method(): string } }) => {
      if (response.request().method() === 'POST' && response.url().endsWith('/api/interviews')) answeredAt = Date.now();
    };
    page.on('request', onRequest);
    page.on('response', onResponse);
    const { id } = await startFromForm(page, server.url, PATIENCE);
    page.off('request', onRequest);
    page.off('response', onResponse);
    const joinedAt = Date.now();
    await joinRoom(page);
    const heardAt = await onsetAfter(page, postedAt, 'the greeting');
    const connectedAt = await page.evaluate(() => (window as unknown as { __rooms: { keptTimes: { connectedAt: number } }[] }).__rooms.at(-1)!.keptTimes.connectedAt);
    await interviewerQuiet(page);
    return { id, postedAt, answeredAt, joinedAt, connectedAt, heardAt };
  }

  async function end(page: Page, id: string): Promise<void> {
    await page.getByRole('button', { name: 'End interview' }).click();
    await page.waitForURL(new RegExp(`/interviews/${id}$`));
  }

  /** The interview as the API gives it: its lines with the agent's times, and the agent's own per-turn figures. */
  function savedInterview(page: Page, id: string): Promise<SavedInterview> {
    return page.evaluate(async (path) => (await (await fetch(path)).json()) as SavedInterview, `/api/interviews/${id}`);
  }

  try {
    const pages: Page[] = [];
    for (let i = 0; i < 3; i++) {
      server.nextUser(i);
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      await context.grantPermissions(['microphone'], { origin: server.url });
      await context.addInitScript(pageAudioScript(MIC_SAMPLE_RATE));
      const page = await context.newPage();
      page.setDefaultTimeout(30_000);
      page.on('console', (m) => browserLog.push(`${m.type()}: ${m.text()}`));
      page.on('pageerror', (e) => browserLog.push(`pageerror: ${String(e)}`));
      page.on('dialog', (d) => void (d.type() === 'confirm' ? d.accept() : d.dismiss()));
      await page.goto(`${server.url}/auth/google`);
      await page.waitForURL(/\/dashboard$/);
      await saveKeys(page, voiceKeys('deepgram', { livekit: livekit.url, llm: llm.url, deepgram: deepgram.url, speech: speech.url }));
      pages.push(page);
    }

    const turnMs: number[] = [];
    const agentTurns: AgentTurnTimes[] = [];
    const legs: TurnLegs[] = [];
    const greetings: ReturnType<typeof greetingLegs>[] = [];
    const greetingMs: number[] = [];
    let voiceChild = { anonMb: NaN, rssMb: NaN, pssMb: NaN };
    const [page] = pages as [Page];
    for (let i = 0; i < INTERVIEWS; i++) {
      await spareSettled(serverPid, 1);
      const started = await startAndJoin(page);
      greetingMs.push(started.heardAt - started.postedAt);
      progress(`interview ${i + 1}/${INTERVIEWS}: greeting heard ${greetingMs.at(-1)} ms after the POST`);
      const heard: HeardTurn[] = [];
      for (const [n, answer] of ANSWERS.entries()) {
        heard.push(await turn(page, answer));
        turnMs.push(heard.at(-1)!.heardAt - heard.at(-1)!.speechEndedAt);
        progress(`  answer ${n + 1}: interviewer heard ${turnMs.at(-1)} ms after the speech ended`);
        if (i === 0 && n === 1) voiceChild = processMemory(children(serverPid)[0]!);
      }
      await end(page, started.id);
      // The first is the greeting's (no answer before it).
      const saved = await savedInterview(page, started.id);
      // The first turn's figures are the greeting's (no answer before it).
      agentTurns.push(...saved.responseTimes.turns.slice(1));
      legs.push(...turnLegs(saved.items, heard, END_OF_TURN_WAIT_MS[PATIENCE]));
      greetings.push(greetingLegs(started, saved.items));
    }

    progress('three voice interviews at once');
    await spareSettled(serverPid, 1);
    const live: { page: Page; id: string }[] = [];
    for (const candidate of pages) live.push({ page: candidate, id: (await startAndJoin(candidate)).id });
    for (const { page: candidate } of live) await turn(candidate, ANSWERS[0]!);
    const childPids = children(serverPid);
    if (childPids.length !== 3) throw new Error(`expected three interview children, found ${childPids.length}`);
    const serverMemory = processMemory(serverPid);
    const childMemory = childPids.map(processMemory);
    for (const { page: candidate, id } of live) await end(candidate, id);

    progress('OpenAI voice: first audio, streaming and the plugin');
    const tts = await ttsFirstAudio(10, 1000);

    const endOfTurnWaitMs = END_OF_TURN_WAIT_MS[PATIENCE];
    const overhead = turnMs.map((ms) => ms - endOfTurnWaitMs);
    console.log(
      JSON.stringify({
        turnOverheadMsP50: Math.round(percentile(overhead, 50)),
        turnOverheadMsP90: Math.round(percentile(overhead, 90)),
        endOfTurnWaitMs,
        patience: PATIENCE,
        turns: turnMs.length,
        greetingMsP50: Math.round(percentile(greetingMs, 50)),
        greetingMs,
        greetingLegsMsP50: Object.fromEntries(
          (['start', 'page', 'connect', 'agent', 'output'] as const).map((leg) => [leg, Math.round(percentile(greetings.map((g) => g[leg]), 50))]),
        ),
        turnLegsMsP50: {
          input: Math.round(percentile(legs.map((l) => l.inputMs), 50)),
          agent: Math.round(percentile(legs.map((l) => l.agentMs), 50)),
          output: Math.round(percentile(legs.map((l) => l.outputMs), 50)),
        },
        agentMsP50: {
          endOfUtterance: agentMedian(agentTurns, 'endOfUtteranceDelayMs'),
          llmFirstToken: agentMedian(agentTurns, 'llmTtftMs'),
          ttsFirstByte: agentMedian(agentTurns, 'ttsTtfbMs'),
        },
        voiceChildAnonMb: voiceChild.anonMb,
        voiceChildPssMb: voiceChild.pssMb,
        serverPlusThreeVoicePssMb: round(serverMemory.pssMb + childMemory.reduce((sum, m) => sum + m.pssMb, 0)),
        serverPssMb: serverMemory.pssMb,
        childPssMb: childMemory.map((m) => m.pssMb),
        childAnonMb: childMemory.map((m) => m.anonMb),
        ttsFirstAudioMsP50: tts.ttsFirstAudioMsP50,
        database: server.database,
      }),
    );
  } catch (error) {
    process.stderr.write(`${server.output().slice(-8000)}\n${browserLog.slice(-50).join('\n')}\n`);
    throw error;
  } finally {
    if (process.env.BENCH_SERVER_LOG) await writeFile(process.env.BENCH_SERVER_LOG, server.output());
    await browser.close().catch(() => undefined);
    await server.close();
    await Promise.all([livekit.close(), llm.close(), deepgram.close(), speech.close()]);
  }
}

/** What is missing on this machine for the benchmark, or undefined. */
function benchProblem(): string | undefined {
  if (!hasLivekitServer()) return 'there is no livekit-server: build it once with "bash scripts/livekit-server.sh" (needs Go)';
  if (!existsSync(CHROMIUM_PATH)) return `there is no Chromium at ${CHROMIUM_PATH} (apt-get install -y chromium)`;
  return speechToolsProblem() ?? namespaceProblem();
}

if (!PATIENCE_LEVELS.includes(PATIENCE)) throw new Error(`PATIENCE must be one of ${PATIENCE_LEVELS.join(', ')}`);
if (process.env[IN_NAMESPACE]) {
  await main();
} else {
  const problem = benchProblem();
  if (problem) {
    process.stderr.write(`bench:voice cannot run: ${problem}.\n`);
    process.exit(1);
  }
  // The same script again, inside a fresh network namespace.
  const { file, args } = inNamespace([process.execPath, '--import', 'tsx', 'bench/voice.ts']);
  const child = spawn(file, args, { cwd: ROOT, env: { ...process.env, [IN_NAMESPACE]: '1' }, stdio: 'inherit' });
  child.once('exit', (code) => process.exit(code ?? 1));
}
