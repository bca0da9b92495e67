import type { PGliteOptions } from '@electric-sql/pglite';

// PGlite's defaults size Postgres for a server (160 MB of shared buffers); one user's
// interviews need a fraction of that, and a laptop's memory is better left to the agents.
export const PGLITE_OPTIONS: PGliteOptions = { postgresqlconf: 'shared_buffers = 16MB' };
