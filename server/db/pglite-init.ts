// Run as its own short-lived process by openPglite on a fresh data directory: creating the
// cluster (initdb) grows PGlite's WASM memory to ~700 MB, which a process never gives back.
// Done here, that memory goes back to the system when this process exits.
import { PGlite } from '@electric-sql/pglite';
import { PGLITE_OPTIONS } from './pglite-options.ts';

const dataDir = process.argv[2];
if (!dataDir) {
  console.error('usage: pglite-init <data directory>');
  process.exit(2);
}
const pg = await PGlite.create(dataDir, PGLITE_OPTIONS);
await pg.close();
