// Audio helpers shared by the speech fakes (deepgram.ts, openai-speech.ts) and by tests that feed them.
//
//   speechLikePcm(24_000, 1200);             // Int16Array: 1.2 s of a voiced, syllable-like signal
//   textPcm('Hello there.', 24_000);         // the same signal, as long as the text would take to say
//   silencePcm(16_000, 500);                 // zeros
//   toLinear16(samples);                     // Buffer of 16-bit little-endian samples (the wire format)
//   rmsLinear16(buffer);                     // RMS of linear16 audio, 0..1 of full scale
//
// Every sample format here is signed 16-bit PCM ("linear16" to Deepgram, "pcm" to OpenAI). Mono
// unless a channel count is given; channels are interleaved. The speech-like signal is a 140 Hz
// voice with a few harmonics and a 4 Hz syllable envelope that never drops below 30 %, so every
// 10 ms block of it is well above a speech threshold (block RMS 0.04..0.16, 0.1 overall at the
// default amplitude) and a fake listening for silence never hears a pause inside it.

/** ~60 ms of speech per character of text, as a talker speaks. */
export const MS_PER_CHARACTER = 60;
/** The longest a synthesised reply gets, however long its text. */
export const MAX_SPEECH_MS = 4000;
const MIN_SPEECH_MS = 200;

/** Milliseconds a fake TTS speaks for a text: ~60 ms per character, at least 200 ms, capped at 4 s. */
export function speechMsForText(text: string): number {
  return Math.min(MAX_SPEECH_MS, Math.max(MIN_SPEECH_MS, text.trim().length * MS_PER_CHARACTER));
}

/** A voiced, speech-like signal: clearly non-zero energy throughout, with 5 ms fades at both ends. */
export function speechLikePcm(sampleRate: number, durationMs: number, options: { amplitude?: number; channels?: number } = {}): Int16Array {
  const amplitude = options.amplitude ?? 0.3;
  const channels = options.channels ?? 1;
  const length = Math.round((sampleRate * durationMs) / 1000);
  const fade = Math.max(1, Math.round(sampleRate * 0.005));
  const samples = new Int16Array(length * channels);
  for (let i = 0; i < length; i++) {
    const t = i / sampleRate;
    const voice = 0.6 * Math.sin(2 * Math.PI * 140 * t) + 0.3 * Math.sin(2 * Math.PI * 280 * t) + 0.1 * Math.sin(2 * Math.PI * 420 * t);
    const syllables = 0.65 + 0.35 * Math.sin(2 * Math.PI * 4 * t);
    const edge = Math.min(1, i / fade, (length - 1 - i) / fade);
    const value = Math.round(voice * syllables * edge * amplitude * 32767);
    for (let c = 0; c < channels; c++) samples[i * channels + c] = value;
  }
  return samples;
}

/** The speech-like signal for as long as `text` takes to say (see speechMsForText). */
export function textPcm(text: string, sampleRate: number): Int16Array {
  return speechLikePcm(sampleRate, speechMsForText(text));
}

export function silencePcm(sampleRate: number, durationMs: number, channels = 1): Int16Array {
  return new Int16Array(Math.round((sampleRate * durationMs) / 1000) * channels);
}

/** Samples as 16-bit little-endian bytes, whatever the machine's byte order. */
export function toLinear16(samples: Int16Array): Buffer {
  const buffer = Buffer.alloc(samples.length * 2);
  for (let i = 0; i < samples.length; i++) buffer.writeInt16LE(samples[i] ?? 0, i * 2);
  return buffer;
}

/** RMS of 16-bit little-endian PCM (a Buffer) or of samples, as a fraction of full scale (0..1). */
export function rmsLinear16(audio: Buffer | Int16Array): number {
  const count = audio instanceof Int16Array ? audio.length : Math.floor(audio.length / 2);
  if (count === 0) return 0;
  let sum = 0;
  for (let i = 0; i < count; i++) {
    const sample = (audio instanceof Int16Array ? (audio[i] ?? 0) : audio.readInt16LE(i * 2)) / 32768;
    sum += sample * sample;
  }
  return Math.sqrt(sum / count);
}
