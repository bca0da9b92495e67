// The room page's test microphone and audio probes (fixtures/page-audio.js), as an init script.
import { readFileSync } from 'node:fs';

export interface AudioIn {
  energy: number;
  packets: number;
  bytes: number;
}

const SOURCE = readFileSync(new URL('./fixtures/page-audio.js', import.meta.url), 'utf8');

export function pageAudioScript(sampleRate: number): { content: string } {
  return { content: `${SOURCE}\ninstallPageAudio(${JSON.stringify(sampleRate)});` };
}
