// `npm start`: compiled output in production (built by `npm run build`), the TypeScript
// sources through tsx everywhere else, so `npm install && npm start` needs no build step.
import { existsSync } from 'node:fs';

const compiled = new URL('../dist/server/main.js', import.meta.url);
if (process.env.NODE_ENV === 'production') {
  if (!existsSync(compiled)) {
    console.error('MockFlow cannot start: dist/ is missing. Run `npm run build` first (Render does this in its build command).');
    process.exit(1);
  }
  await import(compiled.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../server/main.ts');
}
