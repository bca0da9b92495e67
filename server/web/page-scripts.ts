import { Router, static as serveStatic } from 'express';
import { join } from 'node:path';
import { COMPILED, ROOT } from '../paths.ts';

// The browser code (browser/, TypeScript) as one script per page, bundled by esbuild. Run from
// its sources (`npm start` in development, tests) the server bundles it in memory at start-up
// (server/main.ts) or on the first request for a script, so `npm install && npm start` needs no build step; `npm run build` writes the same
// bundles to dist/public/js, which the compiled server serves and never loads esbuild for.

/** Each page's entry file; a page loads its bundle alone (the voice room also livekit-client's build). */
export const PAGE_ENTRIES = {
  dashboard: 'browser/pages/dashboard.ts',
  history: 'browser/pages/history.ts',
  interview: 'browser/pages/interview.ts',
  keys: 'browser/pages/keys.ts',
  start: 'browser/pages/start.ts',
  'text-room': 'browser/pages/text-room.ts',
  'voice-room': 'browser/pages/voice-room.ts',
} as const;

export type PageScript = keyof typeof PAGE_ENTRIES;

export const PAGE_SCRIPTS_DIR = join(ROOT, 'dist', 'public', 'js');

export function pageScript(page: PageScript): string {
  return `/static/js/${page}.js`;
}

/** Bundles every page's script (and its source map); written to PAGE_SCRIPTS_DIR when `write`. */
export async function bundlePageScripts({ write }: { write: boolean }) {
  const { build, stop } = await import('esbuild');
  // esbuild's service process would otherwise live as long as the server: it is needed once.
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: PAGE_ENTRIES,
    outdir: PAGE_SCRIPTS_DIR,
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    sourcemap: true,
    charset: 'utf8',
    tsconfig: join(ROOT, 'browser', 'tsconfig.json'),
    write,
    logLevel: 'warning',
  }).finally(() => stop());
  return result.outputFiles ?? [];
}

let inMemory: Promise<Map<string, Buffer>> | undefined;

/** This process's bundles by file name ("history.js", "history.js.map"), built once. */
function bundledInMemory(): Promise<Map<string, Buffer>> {
  inMemory ??= bundlePageScripts({ write: false }).then(
    (files) => new Map(files.map((file) => [file.path.slice(PAGE_SCRIPTS_DIR.length + 1), Buffer.from(file.contents)])),
  );
  return inMemory;
}

/** Bundles now rather than on the first page's request (a no-op for the compiled server). */
export async function warmPageScripts(): Promise<void> {
  if (!COMPILED) await bundledInMemory();
}

/** Serves /static/js/: from memory when running from the sources, else from dist/ (`npm run build`). */
export function pageScriptsRouter({ maxAgeMs }: { maxAgeMs: number }): Router {
  const router = Router();
  if (COMPILED) {
    router.use('/static/js', serveStatic(PAGE_SCRIPTS_DIR, { maxAge: maxAgeMs }));
    return router;
  }
  router.get('/static/js/:file', async (req, res, next) => {
    const file = String(req.params.file);
    const contents = (await bundledInMemory()).get(file);
    if (!contents) return next();
    // As express.static would: cacheable, with an ETag that answers a revalidation with 304.
    res.set('Cache-Control', `public, max-age=${Math.floor(maxAgeMs / 1000)}`);
    res.type(file.endsWith('.map') ? 'application/json' : 'text/javascript').send(contents);
  });
  return router;
}
