import { chmodSync, lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Makes `path` and everything under it readable by this user only (directories 0700, files
 * 0600). PGlite's WASM file system creates its files 0666 whatever the umask; the 0700
 * directory above them is what keeps the files it creates later private too.
 */
export function makePrivate(path: string): void {
  const stat = lstatSync(path);
  if (stat.isSymbolicLink()) return;
  if (stat.isDirectory()) {
    chmodSync(path, 0o700);
    for (const entry of readdirSync(path)) makePrivate(join(path, entry));
  } else if ((stat.mode & 0o777) !== 0o600) {
    chmodSync(path, 0o600);
  }
}
