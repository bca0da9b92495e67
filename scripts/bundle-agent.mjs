// Bundles the interview child into one file for production. Loading @livekit/agents as
// hundreds of separate modules costs about a second per interview start on a small machine;
// one pre-resolved file halves that (see README, Performance). Native packages stay external.
import { build } from 'esbuild';

await build({
  entryPoints: ['agent/main.ts'],
  outfile: 'dist/agent/main.bundle.mjs',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: true,
  logLevel: 'warning',
  external: ['@livekit/rtc-node', 'onnxruntime-node', 'sharp', '@livekit/local-inference', 'fluent-ffmpeg'],
  // Bundled CommonJS dependencies call require(); give the ESM bundle one.
  banner: { js: "import { createRequire as __mockflowCreateRequire } from 'node:module'; const require = __mockflowCreateRequire(import.meta.url);" },
});
