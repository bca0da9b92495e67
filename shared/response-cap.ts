// Every response from a user's URL (their model, speech, Deepgram or LiveKit server) is read as
// a stream against a cap on its decoded bytes: a 200 KB gzip that inflates to 200 MB stops at the
// cap with a clear error instead of growing the server's memory.

import { Transform } from 'node:stream';

/**
 * Far more than any answer we ask for (a model list, a completion, one sentence of speech: about
 * 90 s of 24 kHz PCM), small enough that holding it whole is harmless.
 */
export const USER_URL_MAX_RESPONSE_BYTES = 4 * 1024 * 1024;

export class ResponseTooLargeError extends Error {
  readonly code = 'ERR_RESPONSE_TOO_LARGE';

  constructor(readonly maxBytes: number) {
    super(`an answer larger than ${maxBytes >= 1024 * 1024 ? `${Math.round(maxBytes / (1024 * 1024))} MB` : `${Math.ceil(maxBytes / 1024)} KB`}`);
    this.name = 'ResponseTooLargeError';
  }
}

/**
 * Passes bytes through until more than `maxBytes` have come, then fails with
 * ResponseTooLargeError. It reads only as fast as its reader does, so what is held is bounded too.
 */
export function capResponseBytes(maxBytes: number, onTooLarge?: (err: ResponseTooLargeError) => void): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      seen += chunk.length;
      if (seen <= maxBytes) return callback(null, chunk);
      const err = new ResponseTooLargeError(maxBytes);
      onTooLarge?.(err);
      callback(err);
    },
  });
}
