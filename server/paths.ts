import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// The same code runs from server/*.ts (tsx) and from dist/server/*.js (compiled), so files
// beside the code (views, public, migrations, agent) are found from the project root.
function findRoot(start: string): string {
  let dir = start;
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${start}`);
    dir = parent;
  }
  return dir;
}

const here = dirname(fileURLToPath(import.meta.url));

export const ROOT = findRoot(here);
/** True when running compiled JavaScript from dist/. */
export const COMPILED = !fileURLToPath(import.meta.url).endsWith('.ts');
export const VIEWS_DIR = join(ROOT, 'views');
export const PUBLIC_DIR = join(ROOT, 'public');
export const MIGRATIONS_DIR = join(ROOT, 'supabase', 'migrations');
