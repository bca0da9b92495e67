import { ConfigError } from './config.ts';
import { MigrationError } from './db/migrate.ts';
import { startServer } from './lifecycle.ts';
import { warmPageScripts } from './web/index.ts';

try {
  const running = await startServer(process.env);
  warmPageScripts().catch((err: unknown) => running.logger.error({ err }, 'the browser code could not be bundled'));
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      running.shutdown(signal).then(
        () => process.exit(0),
        (err: unknown) => {
          running.logger.error({ err }, 'shutdown failed');
          process.exit(1);
        },
      );
    });
  }
} catch (err) {
  if (err instanceof ConfigError || err instanceof MigrationError) {
    console.error(`MockFlow cannot start. ${err.message}`);
  } else {
    console.error('MockFlow cannot start:', err);
  }
  process.exit(1);
}
