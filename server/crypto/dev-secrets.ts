import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { GeneratedSecrets } from '../config.ts';

const FILE = 'secrets.json';

/**
 * Outside production a laptop should start with nothing configured, so the encryption key
 * and the session secret are generated once and kept in DATA_DIR beside the database
 * (losing the file means re-entering saved provider keys, so it is never regenerated).
 */
export function loadOrCreateDevSecrets(dataDir: string, warn: (message: string) => void): GeneratedSecrets {
  const path = join(dataDir, FILE);
  try {
    const stored = JSON.parse(readFileSync(path, 'utf8')) as Partial<GeneratedSecrets>;
    if (typeof stored.encryptionKey === 'string' && typeof stored.secretKey === 'string') {
      return { encryptionKey: stored.encryptionKey, secretKey: stored.secretKey };
    }
    throw new Error(`${path} is incomplete: delete it to generate new secrets (saved provider keys will need re-entering)`);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const secrets: GeneratedSecrets = {
    encryptionKey: randomBytes(32).toString('base64url') + '=',
    secretKey: randomBytes(32).toString('hex'),
  };
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  writeFileSync(path, JSON.stringify(secrets, null, 2) + '\n', { mode: 0o600, flag: 'wx' });
  warn(
    `ENCRYPTION_KEY and SECRET_KEY were not set: generated them into ${path}. ` +
      'Keep that file with the database; set both variables in production.',
  );
  return secrets;
}
