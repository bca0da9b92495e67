// A résumé reader child (forked by ./resume-reader.ts): reads one file, answers, exits. It has a
// small heap of its own and a wall-clock budget; whatever a file makes the libraries do ends here.

import { isHttpError, RESUME_REFUSALS } from '../http/errors.ts';
import { loadLibraryFor, readDocx, readPdf } from './resume-documents.ts';
import type { ReadProgress, ReadReply, ReadRequest } from './resume-reader.ts';
import { presentResumeText } from './resume-text.ts';

async function read({ kind, bytes }: ReadRequest): Promise<ReadReply> {
  await loadLibraryFor(kind);
  // The budget starts now: loading is the same for every file, and slow only on a busy machine.
  process.send!({ started: true } satisfies ReadProgress);
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  try {
    if (kind === 'pdf') {
      const { text, pages } = await readPdf(buffer);
      return { ok: presentResumeText(text, pages) };
    }
    if (kind === 'docx') return { ok: presentResumeText(await readDocx(buffer)) };
    return { ok: presentResumeText(buffer.toString('utf8')) };
  } catch (err) {
    if (isHttpError(err, ...RESUME_REFUSALS)) return { refused: { code: err.code, message: err.message } };
    throw err;
  }
}

process.once('message', (request: ReadRequest) => {
  read(request).then(
    (reply) => process.send!(reply, undefined, undefined, () => process.exit(0)),
    () => process.exit(1),
  );
});
// The server is gone (or gave up on this file): nothing is waiting for the answer.
process.once('disconnect', () => process.exit(0));
