// The fleet capability's entry: web instances and interview runners on one PostgreSQL. Starts go
// through a job queue (pg-boss), everything else through LISTEN/NOTIFY (the link).
export { openLink, type Link } from './link.ts';
export { EVENTS_CHANNEL, type PublishedEvent } from './messages.ts';
export { FleetRunners, type FleetRunnersOptions } from './runners.ts';
export { serveStarts, type StartServer } from './serve-starts.ts';
export { openStartQueue, type StartQueue } from './start-queue.ts';
