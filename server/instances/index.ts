// The instances capability's entry: a server process's lease, and what counts as orphaned work.
export { fleetStatus, leaseIsLive, orphanedBy, takeLease, type Lease, type LeaseOptions, type Orphans } from './lease.ts';
