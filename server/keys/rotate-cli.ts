// `npm run keys:rotate`: after putting a new key first in ENCRYPTION_KEY (old ones after it),
// re-seal every saved provider key under the new one. Prints the counts as JSON.
import { ConfigError, parseConfig } from '../config.ts';
import { loadOrCreateDevSecrets } from '../crypto/dev-secrets.ts';
import { createVault } from '../crypto/vault.ts';
import { migrate } from '../db/migrate.ts';
import { openDatabase } from '../db/open.ts';
import { rotateAllKeys } from './rotate.ts';

try {
  const config = parseConfig(process.env, (dir) => loadOrCreateDevSecrets(dir, (m) => console.error(m)));
  const db = await openDatabase(config);
  try {
    await migrate(db);
    const report = await rotateAllKeys(db, createVault(config.encryptionKeys));
    console.log(JSON.stringify(report));
    if (report.unreadableRows > 0) {
      console.error(
        `${report.unreadableRows} user(s) have keys that no configured ENCRYPTION_KEY opens: they will be asked to re-enter them.`,
      );
    }
  } finally {
    await db.close();
  }
} catch (err) {
  console.error(err instanceof ConfigError ? err.message : `Key rotation failed: ${(err as Error).message}`);
  process.exitCode = 1;
}
