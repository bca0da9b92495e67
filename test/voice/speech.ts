// The candidate's voice, made at test time: espeak-ng speaks the words, sox turns them into the
// 48 kHz 16-bit mono PCM the page's fake microphone plays.

import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const MIC_SAMPLE_RATE = 48_000;

export function speechToolsProblem(): string | undefined {
  for (const tool of ['espeak-ng', 'sox']) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) return `it needs ${tool} (apt-get install -y espeak-ng sox)`;
  }
  return undefined;
}

/** Spoken `text` as raw 48 kHz s16le mono. */
export function synthesizeSpeech(text: string): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'mockflow-speech-'));
  try {
    const wav = join(dir, 'speech.wav');
    const raw = join(dir, 'speech.raw');
    execFileSync('espeak-ng', ['-s', '160', '-w', wav, text]);
    execFileSync('sox', [wav, '-r', String(MIC_SAMPLE_RATE), '-c', '1', '-b', '16', '-e', 'signed-integer', '-t', 'raw', raw]);
    return readFileSync(raw);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
