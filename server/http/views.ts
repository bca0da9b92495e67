import type { Express } from 'express';
import { Eta } from 'eta';
import { relative } from 'node:path';
import { VIEWS_DIR } from '../paths.ts';

/** Server-rendered pages: Eta templates in views/, escaped by default (`<%= %>`). */
export function useViews(app: Express, { cache }: { cache: boolean }): void {
  const eta = new Eta({ views: VIEWS_DIR, cache, autoEscape: true, defaultExtension: '.eta' });
  app.engine('eta', (path, options, callback) => {
    try {
      // Express hands over an absolute path; Eta resolves names inside its views folder.
      callback(null, eta.render(relative(VIEWS_DIR, path), options as object));
    } catch (err) {
      callback(err as Error);
    }
  });
  app.set('view engine', 'eta');
  app.set('views', VIEWS_DIR);
}
