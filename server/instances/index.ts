// The instances capability's entry: a server process's lease, and what counts as orphaned work.
export { orphanedBy, takeLease, type Lease, type Orphans } from './lease.ts';
