import { InvalidFernetToken, MultiFernet } from './fernet.ts';

/** A sealed value that none of the configured ENCRYPTION_KEY keys can open. */
export class UnreadableSecret extends Error {
  constructor() {
    super('A saved key can no longer be decrypted with the configured ENCRYPTION_KEY; it needs re-entering.');
    this.name = 'UnreadableSecret';
  }
}

export interface Vault {
  seal(plaintext: string): string;
  open(token: string): string;
  /** Re-seals with the first key; returns the token unchanged if it is already sealed with it. */
  reseal(token: string): string;
}

/** User secrets at rest: Fernet tokens under ENCRYPTION_KEY (the first key seals, any key opens). */
export function createVault(keys: string[]): Vault {
  const fernet = new MultiFernet(keys);
  const primary = new MultiFernet(keys.slice(0, 1));
  const open = (token: string): string => {
    try {
      return fernet.decrypt(token).toString('utf8');
    } catch (err) {
      if (err instanceof InvalidFernetToken) throw new UnreadableSecret();
      throw err;
    }
  };
  return {
    seal: (plaintext) => fernet.encrypt(plaintext),
    open,
    reseal(token) {
      try {
        primary.decrypt(token);
        return token;
      } catch (err) {
        if (!(err instanceof InvalidFernetToken)) throw err;
      }
      open(token);
      return fernet.rotate(token);
    },
  };
}
