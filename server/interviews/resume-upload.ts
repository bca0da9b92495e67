// POST /api/resume: one multipart file in field `file`, held in memory (never written to disk),
// answered with its text. The interview routes put auth, CSRF and rate limiting in front of resumeUpload().

import type { RequestHandler } from 'express';
import multer from 'multer';
import { badRequest, HttpError, resumeError, tooLarge } from '../http/errors.ts';
import type { ResumeReader } from './resume-reader.ts';
import { extractResumeText } from './resume.ts';

export const RESUME_MAX_BYTES = 5 * 1024 * 1024;

/** `reader`: the server's one (resume-reader.ts) unless another is given. */
export function resumeUpload(reader?: ResumeReader): RequestHandler[] {
  return [receiveResumeFile(), answerWithText(reader)];
}

function receiveResumeFile(): RequestHandler {
  const upload = multer({
    storage: multer.memoryStorage(),
    limits: { fileSize: RESUME_MAX_BYTES, files: 1, fields: 10, fieldSize: 64 * 1024, parts: 12 },
  }).single('file');
  return (req, res, next) => upload(req, res, (err?: unknown) => next(err ? uploadError(err) : undefined));
}

const answerWithText =
  (reader?: ResumeReader): RequestHandler =>
  async (req, res) => {
    if (!req.file) {
      throw resumeError('missing_file', 'Choose a file to upload: a PDF, DOCX or plain-text file of up to 5 MB.');
    }
    const { text, chars, pages, truncated } = await extractResumeText(req.file, reader);
    res.json({ text, chars, ...(pages === undefined ? {} : { pages }), ...(truncated ? { truncated } : {}) });
  };

function uploadError(err: unknown): HttpError {
  if (err instanceof HttpError) return err;
  if (err instanceof multer.MulterError) {
    switch (err.code) {
      case 'LIMIT_FILE_SIZE':
        return tooLarge('The file is larger than 5 MB. Upload a smaller file, or paste the text instead.');
      case 'LIMIT_FILE_COUNT':
        return badRequest('Upload one file at a time.');
      case 'LIMIT_UNEXPECTED_FILE':
        return badRequest('Send the file in the form field named "file".');
      default:
        return badRequest('The upload has too many or too large form fields. Upload just the file.');
    }
  }
  // Busboy's errors (a cut-off or malformed multipart body) carry no status of their own.
  return badRequest('The upload could not be read. Try again.');
}
