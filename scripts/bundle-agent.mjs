// Bundles the interview child for production. Loading @livekit/agents as hundreds of separate
// modules costs about a second per interview start on a small machine; pre-resolved bundles
// halve that (see README, Performance). Code splitting keeps the voice-only modules (Deepgram,
// Silero, the room) in their own chunk, which a text interview never loads. Native packages
// stay external.
import { rm } from 'node:fs/promises';
import { build } from 'esbuild';

const outdir = 'dist/agent';
// Only what an earlier bundle left: tsc's output of agent/ (which the server imports) lives here too.
await rm(`${outdir}/chunks`, { recursive: true, force: true });
await build({
  entryPoints: { 'main.bundle': 'agent/main.ts' },
  outdir,
  outExtension: { '.js': '.mjs' },
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: true,
  logLevel: 'warning',
  external: ['@livekit/rtc-node', 'onnxruntime-node', 'sharp', '@livekit/local-inference', 'fluent-ffmpeg'],
  // Bundled CommonJS dependencies call require(); give each ESM file one.
  banner: { js: "import { createRequire as __mockflowCreateRequire } from 'node:module'; const require = __mockflowCreateRequire(import.meta.url);" },
});
