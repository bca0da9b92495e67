// Runs a TypeScript entry point (e.g. `npm run keys:rotate`): compiled from dist/ in
// production, through tsx otherwise.
import { existsSync } from 'node:fs';

const [entry, ...rest] = process.argv.slice(2);
if (!entry) {
  console.error('usage: node scripts/run.mjs <path/to/file.ts> [args]');
  process.exit(2);
}
process.argv = [process.argv[0], entry, ...rest];
const compiled = new URL(`../dist/${entry.replace(/\.ts$/, '.js')}`, import.meta.url);
if (process.env.NODE_ENV === 'production' && existsSync(compiled)) {
  await import(compiled.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(new URL(`../${entry}`, import.meta.url).href);
}
