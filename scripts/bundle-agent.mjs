// Bundles the interview child for production. Loading @livekit/agents as hundreds of separate
// modules costs about a second per interview start on a small machine; pre-resolved bundles
// halve that (see README, Performance). Code splitting keeps the voice-only modules (Deepgram,
// Silero, the room) in their own chunk, which a text interview never loads. Native packages
// stay external. Files a bundled package finds beside its own code (Silero's model) are copied
// beside the chunk that holds that code.
import { copyFile, readdir, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { build } from 'esbuild';

const require = createRequire(import.meta.url);
// `new URL('silero_vad.onnx', import.meta.url)` in the plugin's onnx_model.js: the model must sit beside whatever file that code lands in.
const sileroDir = dirname(require.resolve('@livekit/agents-plugin-silero'));
const FILES_BESIDE_CODE = [{ code: join(sileroDir, 'onnx_model.js'), file: join(sileroDir, 'silero_vad.onnx') }];

const outdir = 'dist/agent';
const result = await build({
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
  metafile: true,
  external: ['@livekit/rtc-node', 'onnxruntime-node', 'sharp', '@livekit/local-inference', 'fluent-ffmpeg'],
  // Bundled CommonJS dependencies call require(); give each ESM file one.
  banner: { js: "import { createRequire as __mockflowCreateRequire } from 'node:module'; const require = __mockflowCreateRequire(import.meta.url);" },
});

for (const { code, file } of FILES_BESIDE_CODE) {
  const outputs = Object.entries(result.metafile.outputs).filter(([, output]) =>
    Object.keys(output.inputs).some((input) => join(process.cwd(), input) === code),
  );
  if (outputs.length === 0) throw new Error(`bundle-agent: no output holds ${code}; ${file} would be missing`);
  for (const [output] of outputs) await copyFile(file, join(dirname(output), file.split('/').at(-1)));
}

// Chunks an earlier bundle left, removed only after this one is written: a process still running
// the same code (a test run beside this one) never finds a file of it missing. tsc's output of
// agent/ (which the server imports) lives in the same folder and stays.
const written = new Set(Object.keys(result.metafile.outputs).map((output) => join(process.cwd(), output)));
for (const name of await readdir(`${outdir}/chunks`)) {
  const path = join(process.cwd(), outdir, 'chunks', name);
  if (!written.has(path) && !FILES_BESIDE_CODE.some(({ file }) => name === file.split('/').at(-1))) await rm(path, { force: true });
}
