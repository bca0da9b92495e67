// Résumé text extraction: PDF, DOCX or plain text, all in memory. The file's contents decide
// its type; the declared type and extension only have to agree with them. Every way a file
// can be unusable becomes a 4xx HttpError with a message that says what to do instead. The
// reading itself happens in a child process (./resume-reader.ts).

import { resumeReader, type DocumentKind, type ResumeReader } from './resume-reader.ts';
import { resumeError } from '../http/errors.ts';
import type { ResumeText } from './resume-text.ts';
import { readZipEntries } from './resume-zip.ts';
import { unreadableDocx } from './resume-documents.ts';

export { normaliseResumeText, RESUME_MAX_CHARS, type ResumeText } from './resume-text.ts';

export interface ResumeFile {
  buffer: Buffer;
  originalname: string;
  mimetype: string;
}

type Kind = DocumentKind;

const ASK_FOR_SUPPORTED = 'Upload a PDF, DOCX or plain-text file.';

export async function extractResumeText(file: ResumeFile, reader: ResumeReader = resumeReader): Promise<ResumeText> {
  const { buffer } = file;
  if (buffer.length === 0) throw resumeError('empty_file', 'The file is empty. Choose your résumé file again, or paste the text.');

  const content = sniff(buffer);
  const claimed = claimedKinds(file);
  if (content.kind === 'ole') {
    // Word's password protection and the pre-2007 .doc format both use the OLE container.
    throw resumeError(
      'unsupported_type',
      claimed.includes('docx')
        ? 'This Word file is password-protected or in the old .doc format. Save an unprotected copy as DOCX or PDF, or paste the text.'
        : 'Old Word (.doc) files are not supported. Save it as DOCX or PDF, or paste the text.',
    );
  }
  if (content.kind === 'zip') {
    if (claimed.includes('docx')) throw unreadableDocx();
    throw resumeError('unsupported_type', `This file is not a résumé document. ${ASK_FOR_SUPPORTED}`);
  }
  if (content.kind === 'unknown' || claimed.includes('other')) {
    throw resumeError('unsupported_type', `This type of file is not supported. ${ASK_FOR_SUPPORTED}`);
  }
  const mismatch = claimed.find((kind): kind is Kind => kind !== content.kind);
  if (mismatch) {
    throw resumeError('type_mismatch', `This file is labelled as ${LABEL[mismatch]}, but its contents are not. ${ASK_FOR_SUPPORTED}`);
  }

  return reader.read(content.kind, buffer);
}

const LABEL: Record<Kind, string> = { pdf: 'a PDF', docx: 'a DOCX', text: 'plain text' };

// ---------------------------------------------------------------------------------------------
// What the file is, by its bytes, and what the upload says it is.

type Sniffed =
  | { kind: 'pdf' }
  | { kind: 'docx' }
  | { kind: 'text' }
  | { kind: 'zip' }
  | { kind: 'ole' }
  | { kind: 'unknown' };

function sniff(buffer: Buffer): Sniffed {
  // The PDF header may follow a little junk; readers (pdf.js included) look in the first KB.
  if (buffer.subarray(0, 1024).includes('%PDF-')) return { kind: 'pdf' };
  if (startsWith(buffer, [0x50, 0x4b, 0x03, 0x04])) {
    const entries = readZipEntries(buffer);
    return entries?.some((entry) => entry.name === 'word/document.xml') ? { kind: 'docx' } : { kind: 'zip' };
  }
  if (startsWith(buffer, [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1])) return { kind: 'ole' };
  const text = decodeUtf8(buffer);
  // RTF is text, but its markup would reach the interviewer as the résumé.
  return text === undefined || text.startsWith('{\\rtf') ? { kind: 'unknown' } : { kind: 'text' };
}

function startsWith(buffer: Buffer, bytes: number[]): boolean {
  return buffer.length >= bytes.length && bytes.every((byte, i) => buffer[i] === byte);
}

/** Valid UTF-8 without NUL bytes, BOM removed; anything else is not plain text. */
function decodeUtf8(buffer: Buffer): string | undefined {
  if (buffer.includes(0)) return undefined;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(buffer);
  } catch {
    return undefined;
  }
}

const MIME_KINDS: Record<string, Kind | 'other' | undefined> = {
  'application/pdf': 'pdf',
  'application/x-pdf': 'pdf',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': 'docx',
  'text/rtf': 'other',
  'text/html': 'other',
  // Browsers and OSes that know nothing better send these; they claim nothing.
  'application/octet-stream': undefined,
  'binary/octet-stream': undefined,
  'application/zip': undefined,
  'application/x-zip-compressed': undefined,
  '': undefined,
};

const EXTENSION_KINDS: Record<string, Kind> = { pdf: 'pdf', docx: 'docx', txt: 'text', text: 'text', md: 'text', markdown: 'text' };

function claimedKinds(file: ResumeFile): Array<Kind | 'other'> {
  const claims: Array<Kind | 'other'> = [];
  const mime = file.mimetype.split(';')[0]!.trim().toLowerCase();
  const fromMime = mime in MIME_KINDS ? MIME_KINDS[mime] : mime.startsWith('text/') ? 'text' : 'other';
  if (fromMime) claims.push(fromMime);
  const extension = /\.([a-z0-9]+)$/i.exec(file.originalname)?.[1]?.toLowerCase();
  const fromExtension = extension ? EXTENSION_KINDS[extension] : undefined;
  if (fromExtension) claims.push(fromExtension);
  return claims;
}
