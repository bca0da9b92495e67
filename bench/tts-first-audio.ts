// Benchmark: how long the OpenAI voice takes from synthesize() to its first audio frame, our
// streaming SpeechTTS (agent/speech.ts) against the plugin's openai.TTS, both through the guarded
// client the agent builds, against the speech fake sending each answer over STREAM_OVER_MS (as a
// real synthesiser does while it speaks). Prints progress to stderr and one JSON line last on stdout:
//   ttsFirstAudioMsP50.streaming / .plugin   median ms to the first frame
//
//   node --import tsx bench/tts-first-audio.ts        (RUNS=10, STREAM_OVER_MS=1000 by default)

import { initializeLogger, loggerOptions, type tts } from '@livekit/agents';
import * as openai from '@livekit/agents-plugin-openai';
import OpenAI from 'openai';
import { pathToFileURL } from 'node:url';
import { guardedFetch } from '../shared/guarded-fetch.ts';
import { SpeechTTS } from '../agent/speech.ts';
import { startFakeOpenAISpeech } from '../test/fakes/openai-speech.ts';
import { median } from './stats.ts';

/** Milliseconds from synthesize() to the first audio frame; reads the rest so the next run starts clean. */
export async function measureFirstAudioMs(model: tts.TTS, text: string): Promise<number> {
  const started = performance.now();
  const stream = model.synthesize(text);
  let firstAt: number | undefined;
  for await (const audio of stream) {
    if (firstAt === undefined && audio.frame.samplesPerChannel > 0) firstAt = performance.now();
  }
  if (firstAt === undefined) throw new Error(`${model.label} produced no audio for "${text}"`);
  return firstAt - started;
}

export interface TtsFirstAudio {
  ttsFirstAudioMsP50: { streaming: number; plugin: number };
  runs: number;
  streamOverMs: number;
}

/** Median first-audio time of both ways, `runs` times each, with the fake speaking each answer over `streamOverMs`. */
export async function ttsFirstAudio(runs: number, streamOverMs: number): Promise<TtsFirstAudio> {
  const apiKey = 'sk-bench-speech';
  const text = 'Thanks for joining me today, let us begin with your background.';
  if (!loggerOptions()) initializeLogger({ pretty: false, level: 'warn' });
  const fake = await startFakeOpenAISpeech({ apiKey, streamOverMs });
  const client = new OpenAI({ apiKey, baseURL: fake.url, maxRetries: 0, fetch: guardedFetch({ production: false, keepAlive: true }) });
  const models = { streaming: new SpeechTTS({ client }), plugin: new openai.TTS({ client }) };
  const times: Record<keyof typeof models, number[]> = { streaming: [], plugin: [] };
  try {
    for (let i = 0; i < runs; i++) {
      for (const name of ['streaming', 'plugin'] as const) times[name].push(await measureFirstAudioMs(models[name], text));
      process.stderr.write(`run ${i + 1}/${runs}: first audio ${Math.round(times.streaming.at(-1)!)} ms streaming, ${Math.round(times.plugin.at(-1)!)} ms plugin\n`);
    }
  } finally {
    await Promise.all([models.streaming.close(), models.plugin.close()]);
    await fake.close();
  }
  return { ttsFirstAudioMsP50: { streaming: Math.round(median(times.streaming)), plugin: Math.round(median(times.plugin)) }, runs, streamOverMs };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(JSON.stringify(await ttsFirstAudio(Number(process.env.RUNS ?? 10), Number(process.env.STREAM_OVER_MS ?? 1000))));
}
