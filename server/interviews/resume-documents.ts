// Reading the text out of a PDF (pdf.js, bundled by unpdf) or a DOCX (mammoth). Runs only in a
// résumé reader child (./resume-reader.ts), never in the server: both libraries can be made to
// spend seconds of CPU and hundreds of megabytes on a file of a few kilobytes.

import { HttpError, resumeError } from '../http/errors.ts';
import { normaliseResumeText, RESUME_MAX_CHARS } from './resume-text.ts';
import { checkInflatedSize, readZipEntries } from './resume-zip.ts';

/** Pages of a PDF read at most: enough for any résumé, and bounds the work a crafted PDF costs. */
const PDF_MAX_PAGES_READ = 50;

/**
 * What a DOCX may inflate to. mammoth parses the XML parts into a tree, so their budget is what
 * fits in the reader's heap (RESUME_READER_HEAP_MB) with room to spare for Word's own XML; a real
 * résumé has a few hundred KB. Denser crafted XML runs out of heap instead, which is answered
 * the same way. Pictures are not parsed, only inflated to count them.
 */
const DOCX_INFLATED_LIMITS = { xmlBytes: 1024 * 1024, allBytes: 16 * 1024 * 1024 };

/** Loads the library that reads `kind`, so that reading it afterwards is the file's own work. */
export async function loadLibraryFor(kind: 'pdf' | 'docx' | 'text'): Promise<void> {
  if (kind === 'pdf') await import('unpdf');
  if (kind === 'docx') await import('mammoth');
}

export async function readPdf(buffer: Buffer): Promise<{ text: string; pages: number }> {
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

export async function readDocx(buffer: Buffer): Promise<string> {
  const entries = readZipEntries(buffer);
  if (!entries) throw unreadableDocx();
  const inflated = checkInflatedSize(buffer, entries, DOCX_INFLATED_LIMITS);
  if (inflated === 'damaged') throw unreadableDocx();
  if (inflated === 'too_big') {
    throw resumeError('unreadable_file', 'This DOCX expands to far more than a résumé. Upload a shorter document, a PDF, or paste the text.');
  }
  const { default: mammoth } = await import('mammoth');
  try {
    return (await mammoth.extractRawText({ buffer })).value;
  } catch {
    throw unreadableDocx();
  }
}

export const unreadableDocx = () =>
  resumeError(
    'unreadable_file',
    'This DOCX could not be read (it may be damaged or not a Word document). Save it again from your word processor, upload a PDF, or paste the text.',
  );
