// What every résumé reader hands back, whatever the file was: tidy text, cut at the cap.

import { RESUME_MAX_CHARS } from '../../shared/vocabulary.ts';
import { resumeError } from '../http/errors.ts';

export interface ResumeText {
  text: string;
  /** Length of `text` (UTF-16 code units, as JavaScript counts). */
  chars: number;
  /** PDFs only: the document's page count. */
  pages?: number;
  /** Present when the text was cut at RESUME_MAX_CHARS. */
  truncated?: true;
}

export { RESUME_MAX_CHARS };

export function presentResumeText(raw: string, pages?: number): ResumeText {
  const normalised = normaliseResumeText(raw);
  if (!normalised) throw resumeError('no_text', 'This file has no text in it. Upload the file with your résumé text, or paste it.');
  const { text, truncated } = capLength(normalised);
  return { text, chars: text.length, ...(pages === undefined ? {} : { pages }), ...(truncated ? { truncated: true as const } : {}) };
}

/** One space between words, no trailing spaces, at most one blank line between paragraphs. */
export function normaliseResumeText(raw: string): string {
  return raw
    .normalize('NFC')
    .replace(/^\uFEFF/, '')
    .replace(/\r\n?|[\v\f\u0085\u2028\u2029]/g, '\n')
    .replace(/[\u0000-\u0008\u000e-\u001f\u007f]/g, '')
    .split('\n')
    .map((line) => line.replace(/[^\S\n]+/g, ' ').trim())
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

function capLength(text: string): { text: string; truncated: boolean } {
  if (text.length <= RESUME_MAX_CHARS) return { text, truncated: false };
  let end = RESUME_MAX_CHARS;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--; // never split a surrogate pair
  const cut = text.slice(0, end);
  // Prefer ending at a line break, then at a word break, when one is near.
  const near = (at: number) => at > end - 200;
  const line = cut.lastIndexOf('\n');
  const word = cut.lastIndexOf(' ');
  const stop = near(line) ? line : near(word) ? word : end;
  return { text: cut.slice(0, stop).trimEnd(), truncated: true };
}
