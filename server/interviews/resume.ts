// Résumé text extraction: PDF, DOCX or plain text, all in memory. The file's contents decide
// its type; the declared type and extension only have to agree with them. Every way a file
// can be unusable becomes a 4xx HttpError with a message that says what to do instead.

import { inflateRawSync } from 'node:zlib';
import { HttpError } from '../http/errors.ts';

export interface ResumeFile {
  buffer: Buffer;
  originalname: string;
  mimetype: string;
}

export interface ResumeText {
  text: string;
  /** Length of `text` (UTF-16 code units, as JavaScript counts). */
  chars: number;
  /** PDFs only: the document's page count. */
  pages?: number;
  /** Present when the text was cut at RESUME_MAX_CHARS. */
  truncated?: true;
}

export const RESUME_MAX_CHARS = 20_000;

/** Pages of a PDF read at most: enough for any résumé, and bounds the work a crafted PDF costs. */
const PDF_MAX_PAGES_READ = 50;

/** A DOCX whose parts inflate beyond this is not a résumé (and may be a zip bomb). */
const DOCX_MAX_INFLATED_BYTES = 20 * 1024 * 1024;

type Kind = 'pdf' | 'docx' | 'text';

const ASK_FOR_SUPPORTED = 'Upload a PDF, DOCX or plain-text file.';

export async function extractResumeText(file: ResumeFile): Promise<ResumeText> {
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

  if (content.kind === 'pdf') {
    const { text, pages } = await extractPdf(buffer);
    return present(text, pages);
  }
  if (content.kind === 'docx') return present(await extractDocx(buffer, content.entries));
  return present(content.text);
}

const LABEL: Record<Kind, string> = { pdf: 'a PDF', docx: 'a DOCX', text: 'plain text' };

// ---------------------------------------------------------------------------------------------
// What the file is, by its bytes, and what the upload says it is.

type Sniffed =
  | { kind: 'pdf' }
  | { kind: 'docx'; entries: ZipEntry[] }
  | { kind: 'text'; text: string }
  | { kind: 'zip' }
  | { kind: 'ole' }
  | { kind: 'unknown' };

function sniff(buffer: Buffer): Sniffed {
  // The PDF header may follow a little junk; readers (pdf.js included) look in the first KB.
  if (buffer.subarray(0, 1024).includes('%PDF-')) return { kind: 'pdf' };
  if (startsWith(buffer, [0x50, 0x4b, 0x03, 0x04])) {
    const entries = readZipEntries(buffer);
    return entries?.some((entry) => entry.name === 'word/document.xml') ? { kind: 'docx', entries } : { kind: 'zip' };
  }
  if (startsWith(buffer, [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1])) return { kind: 'ole' };
  const text = decodeUtf8(buffer);
  // RTF is text, but its markup would reach the interviewer as the résumé.
  return text === undefined || text.startsWith('{\\rtf') ? { kind: 'unknown' } : { kind: 'text', text };
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

// ---------------------------------------------------------------------------------------------
// PDF (pdf.js bundled by unpdf, loaded on first use: it is ~1.6 MB of code).

async function extractPdf(buffer: Buffer): Promise<{ text: string; pages: number }> {
  const { getDocumentProxy } = await import('unpdf');
  let pdf: Awaited<ReturnType<typeof getDocumentProxy>>;
  try {
    // A copy: pdf.js may take ownership of (detach) the array it is given.
    pdf = await getDocumentProxy(new Uint8Array(buffer), {
      // The bytes are all there is: no font, CMap, ICC or WASM files are fetched, and
      // unpdf's bundle runs pdf.js's worker code in this thread (no Worker is spawned).
      standardFontDataUrl: undefined,
      cMapUrl: undefined,
      iccUrl: undefined,
      wasmUrl: undefined,
      useWasm: false,
      useWorkerFetch: false,
      isEvalSupported: false,
      enableXfa: false,
      verbosity: 0,
    });
  } catch (err) {
    if ((err as { name?: string })?.name === 'PasswordException') {
      throw resumeError(
        'encrypted_pdf',
        'This PDF is password-protected. Save or print it to a new PDF without a password, upload a DOCX, or paste the text.',
      );
    }
    throw unreadablePdf();
  }
  try {
    if (pdf.numPages < 1) throw unreadablePdf();
    const pages: string[] = [];
    let length = 0;
    // Page by page, stopping once there is more text than we keep: a 1,000-page upload costs no
    // more than its first pages.
    const last = Math.min(pdf.numPages, PDF_MAX_PAGES_READ);
    for (let number = 1; number <= last && length <= RESUME_MAX_CHARS; number++) {
      const page = await pdf.getPage(number);
      const content = await page.getTextContent();
      const text = normaliseResumeText(
        content.items.map((item) => ('str' in item ? item.str + (item.hasEOL ? '\n' : '') : '')).join(''),
      );
      page.cleanup();
      pages.push(text);
      length += text.length;
    }
    const text = pages.filter(Boolean).join('\n\n');
    if (!text) {
      throw resumeError(
        'scanned_pdf',
        'This PDF has no text layer (it looks scanned). Upload a PDF exported from a word processor, a DOCX, or paste the text.',
      );
    }
    return { text, pages: pdf.numPages };
  } catch (err) {
    throw err instanceof HttpError ? err : unreadablePdf();
  } finally {
    await pdf.destroy().catch(() => {});
  }
}

const unreadablePdf = () =>
  resumeError(
    'unreadable_file',
    'This PDF could not be read (it may be damaged or incomplete). Export it again from your word processor, upload a DOCX, or paste the text.',
  );

// ---------------------------------------------------------------------------------------------
// DOCX (mammoth, loaded on first use).

async function extractDocx(buffer: Buffer, entries: ZipEntry[]): Promise<string> {
  checkInflatedSize(buffer, entries);
  const { default: mammoth } = await import('mammoth');
  let raw: string;
  try {
    raw = (await mammoth.extractRawText({ buffer })).value;
  } catch {
    throw unreadableDocx();
  }
  return raw;
}

const unreadableDocx = () =>
  resumeError(
    'unreadable_file',
    'This DOCX could not be read (it may be damaged or not a Word document). Save it again from your word processor, upload a PDF, or paste the text.',
  );

interface ZipEntry {
  name: string;
  method: number;
  compressedSize: number;
  localHeaderOffset: number;
}

/** The zip's central directory, or undefined when the file is truncated or not a zip we can read. */
function readZipEntries(buffer: Buffer): ZipEntry[] | undefined {
  // End of central directory: 22 bytes plus a comment of up to 65,535 bytes, at the very end.
  const earliest = Math.max(0, buffer.length - 22 - 0xffff);
  let end = -1;
  for (let at = buffer.length - 22; at >= earliest; at--) {
    if (buffer.readUInt32LE(at) === 0x06054b50) {
      end = at;
      break;
    }
  }
  if (end < 0) return undefined;
  const count = buffer.readUInt16LE(end + 10);
  let at = buffer.readUInt32LE(end + 16);
  const entries: ZipEntry[] = [];
  for (let i = 0; i < count; i++) {
    if (at + 46 > buffer.length || buffer.readUInt32LE(at) !== 0x02014b50) return undefined;
    const nameLength = buffer.readUInt16LE(at + 28);
    entries.push({
      name: buffer.toString('utf8', at + 46, at + 46 + nameLength),
      method: buffer.readUInt16LE(at + 10),
      compressedSize: buffer.readUInt32LE(at + 20),
      localHeaderOffset: buffer.readUInt32LE(at + 42),
    });
    at += 46 + nameLength + buffer.readUInt16LE(at + 30) + buffer.readUInt16LE(at + 32);
  }
  return entries;
}

/**
 * Inflates every part with a hard output cap before mammoth sees the file: the sizes a zip
 * declares can lie, and mammoth would inflate and parse whatever it is given.
 */
function checkInflatedSize(buffer: Buffer, entries: ZipEntry[]): void {
  let budget = DOCX_MAX_INFLATED_BYTES;
  for (const entry of entries) {
    const header = entry.localHeaderOffset;
    if (header + 30 > buffer.length || buffer.readUInt32LE(header) !== 0x04034b50) throw unreadableDocx();
    const start = header + 30 + buffer.readUInt16LE(header + 26) + buffer.readUInt16LE(header + 28);
    const data = buffer.subarray(start, start + entry.compressedSize);
    if (entry.method === 0) {
      budget -= data.length;
    } else if (entry.method === 8) {
      try {
        budget -= inflateRawSync(data, { maxOutputLength: Math.max(1, budget) }).length;
      } catch (err) {
        throw (err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE' ? tooMuchText() : unreadableDocx();
      }
    } else {
      throw unreadableDocx();
    }
    if (budget < 0) throw tooMuchText();
  }
}

const tooMuchText = () =>
  resumeError('unreadable_file', 'This DOCX expands to far more than a résumé. Upload a shorter document, a PDF, or paste the text.');

// ---------------------------------------------------------------------------------------------
// Shared shaping of the result.

function present(raw: string, pages?: number): ResumeText {
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

const resumeError = (code: string, message: string) => new HttpError(400, code, message);
