import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Document, Packer, Paragraph, TextRun } from 'docx';
import express from 'express';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { errorHandler } from '../../server/http/error-handler.ts';
import { RESUME_MAX_CHARS, extractResumeText } from '../../server/interviews/resume.ts';
import { builtResumeReader } from '../helpers/resume-reader.ts';
import { RESUME_MAX_BYTES, resumeUpload } from '../../server/interviews/resume-upload.ts';
import { asDocx, asPdf, asText, buildPdf, buildZip, DOCX_TYPE, minimalDocx, pdfStream, rejection } from '../helpers/documents.ts';
import { listen, type Listening } from '../helpers/http.ts';

// ---------------------------------------------------------------------------------------------
// Real files, built here.

const textPage = (contents: number) =>
  `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents ${contents} 0 R >>`;

const twoPagePdf = () =>
  buildPdf([
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [4 0 R 6 0 R] /Count 2 >>',
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
    textPage(5),
    pdfStream('BT /F1 12 Tf 72 720 Td (Jane Doe, Senior Engineer) Tj ET'),
    textPage(7),
    pdfStream('BT /F1 12 Tf 72 720 Td (Experience: Acme Corp, 2019 to 2024) Tj ET'),
  ]);

/** `count` pages, each with `lines` lines of text. */
const longPdf = (count: number, lines: number) => {
  const objects = ['<< /Type /Catalog /Pages 2 0 R >>', '', '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>'];
  const kids: string[] = [];
  for (let page = 1; page <= count; page++) {
    kids.push(`${objects.length + 1} 0 R`);
    objects.push(textPage(objects.length + 2));
    const shown = Array.from({ length: lines }, (_, i) => `(Page ${page}, line ${i + 1}: shipped a feature that customers used every day.) '`);
    objects.push(pdfStream(`BT /F1 10 Tf 14 TL 50 760 Td ${shown.join(' ')} ET`));
  }
  objects[1] = `<< /Type /Pages /Kids [${kids.join(' ')}] /Count ${count} >>`;
  return buildPdf(objects);
};

const scannedPdf = () =>
  buildPdf([
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>',
    pdfStream('0.5 g 72 72 468 648 re f'),
  ]);

/** Standard security handler, RC4 40-bit; random /O and /U match no password, not even the empty one. */
const encryptedPdf = () => {
  const hex = (bytes: number) => randomBytes(bytes).toString('hex');
  return buildPdf(
    [
      '<< /Type /Catalog /Pages 2 0 R >>',
      '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
      '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>',
      pdfStream('BT /F1 12 Tf 72 720 Td (secret) Tj ET'),
      `<< /Filter /Standard /V 1 /R 2 /O <${hex(32)}> /U <${hex(32)}> /P -44 >>`,
    ],
    `/Encrypt 5 0 R /ID [<${hex(16)}> <${hex(16)}>] `,
  );
};

const malformedPdf = () => Buffer.concat([Buffer.from('%PDF-1.4\n'), randomBytes(4096)]);

const docx = (paragraphs: string[]) =>
  Packer.toBuffer(new Document({ sections: [{ children: paragraphs.map((text) => new Paragraph({ children: [new TextRun(text)] })) }] }));

/** The reader of every file here: its children run the build. */
const reader = builtResumeReader();

const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), randomBytes(256)]);

// ---------------------------------------------------------------------------------------------

describe('extractResumeText', () => {
  it('reads PDFs in a child process: pdf.js (a 1.6 MB bundle that also patches globals) never loads here', async () => {
    const result = await extractResumeText(asPdf(twoPagePdf()), reader);
    expect(result.text).toContain('Jane Doe');
    expect('pdfjsLib' in globalThis).toBe(false);
  });

  it('reads the text layer of every page of a PDF and counts the pages, fetching nothing', async () => {
    const fetchSpy = vi.spyOn(globalThis, 'fetch');
    try {
      const result = await extractResumeText(asPdf(twoPagePdf()), reader);
      expect(result).toEqual({
        text: 'Jane Doe, Senior Engineer\n\nExperience: Acme Corp, 2019 to 2024',
        chars: result.text.length,
        pages: 2,
      });
      expect(fetchSpy).not.toHaveBeenCalled();
    } finally {
      fetchSpy.mockRestore();
    }
  });

  it('reads a long PDF only up to the text cap, and still reports all its pages', async () => {
    const result = await extractResumeText(asPdf(longPdf(120, 40)), reader);
    expect(result).toMatchObject({ pages: 120, truncated: true });
    expect(result.text.startsWith('Page 1, line 1: shipped a feature')).toBe(true);
    expect(result.chars).toBeLessThanOrEqual(RESUME_MAX_CHARS);
    expect(result.text).not.toContain('Page 20,');
  });

  it('trusts the bytes when the browser sends no useful type for a PDF', async () => {
    const result = await extractResumeText({ buffer: twoPagePdf(), originalname: 'cv', mimetype: 'application/octet-stream' }, reader);
    expect(result.pages).toBe(2);
    expect(result.text).toContain('Jane Doe');
  });

  it('turns away a scanned PDF (no text operators) and says what to upload instead', async () => {
    const err = await rejection(extractResumeText(asPdf(scannedPdf()), reader));
    expect(err).toMatchObject({ status: 400, code: 'scanned_pdf' });
    expect(err.message).toBe(
      'This PDF has no text layer (it looks scanned). Upload a PDF exported from a word processor, a DOCX, or paste the text.',
    );
  });

  it('turns away a password-protected PDF', async () => {
    const err = await rejection(extractResumeText(asPdf(encryptedPdf()), reader));
    expect(err).toMatchObject({ status: 400, code: 'encrypted_pdf' });
    expect(err.message).toMatch(/^This PDF is password-protected\./);
  });

  it('turns away a malformed or cut-off PDF as unreadable', async () => {
    for (const buffer of [malformedPdf(), Buffer.from('%PDF-1.4\nnot really a pdf\n'), twoPagePdf().subarray(0, 300)]) {
      const err = await rejection(extractResumeText(asPdf(buffer), reader));
      expect(err).toMatchObject({ status: 400, code: 'unreadable_file' });
      expect(err.message).toMatch(/^This PDF could not be read/);
    }
  });

  it('reads the paragraphs of a DOCX', async () => {
    const buffer = await docx(['Jane Doe', 'Senior Engineer at Acme — São Paulo', '', '', 'Led a team of 5.']);
    const result = await extractResumeText(asDocx(buffer), reader);
    expect(result).toEqual({ text: 'Jane Doe\n\nSenior Engineer at Acme — São Paulo\n\nLed a team of 5.', chars: result.text.length });
  });

  it('turns away a damaged DOCX: a zip without word/document.xml, or cut-off bytes', async () => {
    const notWord = buildZip([{ name: 'hello.txt', data: Buffer.from('hello') }]);
    const full = await docx(['Jane Doe']);
    for (const buffer of [notWord, full.subarray(0, Math.floor(full.length / 2))]) {
      const err = await rejection(extractResumeText(asDocx(buffer), reader));
      expect(err).toMatchObject({ status: 400, code: 'unreadable_file' });
      expect(err.message).toMatch(/^This DOCX could not be read/);
    }
    // Unlabelled, a zip that is not a Word document is simply the wrong type.
    const err = await rejection(extractResumeText({ buffer: notWord, originalname: 'files.zip', mimetype: 'application/zip' }, reader));
    expect(err).toMatchObject({ status: 400, code: 'unsupported_type' });
  });

  it('refuses a DOCX whose parts inflate far beyond a résumé, before parsing it', async () => {
    const bomb = buildZip([
      { name: '[Content_Types].xml', data: Buffer.from('<Types/>') },
      { name: 'word/document.xml', data: Buffer.alloc(30 * 1024 * 1024, 0x20) },
    ]);
    expect(bomb.length).toBeLessThan(100 * 1024);
    const err = await rejection(extractResumeText(asDocx(bomb), reader));
    expect(err).toMatchObject({ status: 400, code: 'unreadable_file' });
    expect(err.message).toMatch(/expands to far more than a résumé/);
  });

  it('refuses a DOCX with more XML than fits in the reader (over 1 MB), yet reads one with a picture of several MB', async () => {
    const paragraph = '<w:p><w:r><w:t xml:space="preserve">Led the migration of the billing platform to event sourcing. </w:t></w:r></w:p>';
    const heavy = minimalDocx(paragraph.repeat(Math.ceil((1.2 * 1024 * 1024) / paragraph.length)));
    const err = await rejection(extractResumeText(asDocx(heavy), reader));
    expect(err).toMatchObject({ status: 400, code: 'unreadable_file' });
    expect(err.message).toMatch(/expands to far more than a résumé/);
    const picture = { name: 'word/media/image1.png', data: randomBytes(3 * 1024 * 1024), stored: true };
    const withPicture = minimalDocx('<w:p><w:r><w:t>Jane Doe</w:t></w:r></w:p>', [picture]);
    expect((await extractResumeText(asDocx(withPicture), reader)).text).toBe('Jane Doe');
  });

  it('reads UTF-8 text with accents, drops the BOM and tidies whitespace', async () => {
    const raw = '\uFEFFJosé Müller   \r\n  Ingénieur   logiciel\t\r\n\r\n\r\n\r\nRésumé: naïve façade  \n';
    const result = await extractResumeText(asText(Buffer.from(raw, 'utf8')), reader);
    expect(result).toEqual({ text: 'José Müller\nIngénieur logiciel\n\nRésumé: naïve façade', chars: 52 });
  });

  it('caps the text at 20,000 characters and says it did', async () => {
    const line = 'Built and ran services used by millions of people every day.\n';
    const result = await extractResumeText(asText(Buffer.from(line.repeat(1000))), reader);
    expect(result.truncated).toBe(true);
    expect(result.chars).toBe(result.text.length);
    expect(result.chars).toBeLessThanOrEqual(RESUME_MAX_CHARS);
    expect(result.chars).toBeGreaterThan(RESUME_MAX_CHARS - 200);
    expect(result.text.endsWith('day.')).toBe(true);
  });

  it('turns away a PNG or other binary declared as a PDF', async () => {
    for (const buffer of [PNG, randomBytes(2048)]) {
      const err = await rejection(extractResumeText(asPdf(buffer), reader));
      expect(err).toMatchObject({ status: 400, code: 'unsupported_type' });
      expect(err.message).toMatch(/Upload a PDF, DOCX or plain-text file\.$/);
    }
  });

  it('turns away a file whose contents do not match its declared type', async () => {
    const err = await rejection(extractResumeText(asPdf(Buffer.from('Jane Doe, Senior Engineer')), reader));
    expect(err).toMatchObject({ status: 400, code: 'type_mismatch' });
    expect(err.message).toBe('This file is labelled as a PDF, but its contents are not. Upload a PDF, DOCX or plain-text file.');
    const docxAsText = await rejection(extractResumeText(asText(await docx(['Jane']), 'resume.txt'), reader));
    expect(docxAsText).toMatchObject({ code: 'type_mismatch' });
  });

  it('turns away text that is declared as another type, and RTF', async () => {
    const asImage = await rejection(extractResumeText({ buffer: Buffer.from('Jane Doe'), originalname: 'me.png', mimetype: 'image/png' }, reader));
    expect(asImage).toMatchObject({ status: 400, code: 'unsupported_type' });
    const rtf = Buffer.from('{\\rtf1\\ansi {\\b Jane Doe}\\par }');
    const err = await rejection(extractResumeText({ buffer: rtf, originalname: 'cv.rtf', mimetype: 'application/octet-stream' }, reader));
    expect(err).toMatchObject({ status: 400, code: 'unsupported_type', message: 'This type of file is not supported. Upload a PDF, DOCX or plain-text file.' });
  });

  it('turns away an old Word .doc file with a way forward', async () => {
    const ole = Buffer.concat([Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]), randomBytes(512)]);
    const err = await rejection(extractResumeText({ buffer: ole, originalname: 'cv.doc', mimetype: 'application/msword' }, reader));
    expect(err).toMatchObject({ status: 400, code: 'unsupported_type' });
    expect(err.message).toMatch(/Save it as DOCX or PDF/);
  });

  it('turns away an empty file, and one with nothing but whitespace', async () => {
    expect(await rejection(extractResumeText(asText(Buffer.alloc(0)), reader))).toMatchObject({ status: 400, code: 'empty_file' });
    expect(await rejection(extractResumeText(asText(Buffer.from(' \n\t\n')), reader))).toMatchObject({ status: 400, code: 'no_text' });
  });
});

// ---------------------------------------------------------------------------------------------

describe('POST /api/resume', () => {
  let running: Listening;
  let scratch: string;
  const savedTmpdir = process.env.TMPDIR;

  beforeAll(async () => {
    // Anything in this process that writes a temporary file would write it here.
    scratch = mkdtempSync(join(tmpdir(), 'resume-test-'));
    process.env.TMPDIR = scratch;
    const app = express();
    app.post('/api/resume', ...resumeUpload(reader));
    app.use(errorHandler({ exposeInternals: false }));
    running = await listen(app);
  });

  afterAll(async () => {
    await running.close();
    if (savedTmpdir === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = savedTmpdir;
    rmSync(scratch, { recursive: true, force: true });
  });

  afterEach(() => {
    expect(tmpdir()).toBe(scratch);
    // The reader child runs from sources through tsx here, which keeps its compile cache in TMPDIR.
    expect(readdirSync(scratch).filter((name) => !name.startsWith('tsx-'))).toEqual([]);
  });

  const upload = (buffer: Buffer, name: string, type: string, field = 'file') => {
    const form = new FormData();
    form.append(field, new Blob([new Uint8Array(buffer)], { type }), name);
    return fetch(`${running.url}/api/resume`, { method: 'POST', body: form });
  };

  it('answers a PDF with its text, length and page count', async () => {
    const res = await upload(twoPagePdf(), 'resume.pdf', 'application/pdf');
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toEqual({ text: 'Jane Doe, Senior Engineer\n\nExperience: Acme Corp, 2019 to 2024', chars: 62, pages: 2 });
  });

  it('answers a DOCX and a text file with text and length only', async () => {
    const fromDocx = await upload(await docx(['Jane Doe', 'Senior Engineer']), 'resume.docx', DOCX_TYPE);
    expect(fromDocx.status).toBe(200);
    expect(await fromDocx.json()).toEqual({ text: 'Jane Doe\n\nSenior Engineer', chars: 25 });
    const fromText = await upload(Buffer.from('\uFEFFJosé — Ingénieur\n'), 'résumé.txt', 'text/plain');
    expect(fromText.status).toBe(200);
    expect(await fromText.json()).toEqual({ text: 'José — Ingénieur', chars: 16 });
  });

  it('flags text cut at the cap', async () => {
    const res = await upload(Buffer.from('word '.repeat(10_000)), 'long.txt', 'text/plain');
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toMatchObject({ truncated: true, chars: body.text.length });
    expect(body.chars).toBeLessThanOrEqual(RESUME_MAX_CHARS);
  });

  it('answers a file over 5 MB with 413 and a plain message', async () => {
    const res = await upload(Buffer.alloc(RESUME_MAX_BYTES + 1, 0x61), 'big.txt', 'text/plain');
    expect(res.status).toBe(413);
    expect(await res.json()).toEqual({
      error: 'too_large',
      message: 'The file is larger than 5 MB. Upload a smaller file, or paste the text instead.',
    });
  });

  it('accepts a file of exactly 5 MB', async () => {
    const res = await upload(Buffer.alloc(RESUME_MAX_BYTES, 0x61), 'big.txt', 'text/plain');
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ truncated: true });
  });

  it('answers a request without a file with 400', async () => {
    const form = new FormData();
    form.append('note', 'no file here');
    const multipart = await fetch(`${running.url}/api/resume`, { method: 'POST', body: form });
    expect(multipart.status).toBe(400);
    expect(await multipart.json()).toMatchObject({ error: 'missing_file', message: expect.stringMatching(/^Choose a file/) });
    const json = await fetch(`${running.url}/api/resume`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(json.status).toBe(400);
    expect(await json.json()).toMatchObject({ error: 'missing_file' });
  });

  it('answers a bad file with 400 and the extraction message, never 500', async () => {
    const cases: Array<[Buffer, string, string, string]> = [
      [encryptedPdf(), 'resume.pdf', 'application/pdf', 'encrypted_pdf'],
      [scannedPdf(), 'resume.pdf', 'application/pdf', 'scanned_pdf'],
      [malformedPdf(), 'resume.pdf', 'application/pdf', 'unreadable_file'],
      [PNG, 'resume.pdf', 'application/pdf', 'unsupported_type'],
      [Buffer.alloc(0), 'resume.txt', 'text/plain', 'empty_file'],
    ];
    for (const [buffer, name, type, code] of cases) {
      const res = await upload(buffer, name, type);
      expect(res.status, code).toBe(400);
      const body = await res.json();
      expect(body).toEqual({ error: code, message: expect.any(String) });
    }
  });

  it('answers a wrong field name, two files or a cut-off body with 400', async () => {
    const wrongField = await upload(Buffer.from('Jane'), 'a.txt', 'text/plain', 'resume');
    expect(wrongField.status).toBe(400);
    expect(await wrongField.json()).toMatchObject({ message: 'Send the file in the form field named "file".' });

    const form = new FormData();
    form.append('file', new Blob(['Jane'], { type: 'text/plain' }), 'a.txt');
    form.append('file', new Blob(['Doe'], { type: 'text/plain' }), 'b.txt');
    const twoFiles = await fetch(`${running.url}/api/resume`, { method: 'POST', body: form });
    expect(twoFiles.status).toBe(400);
    expect(await twoFiles.json()).toMatchObject({ message: 'Upload one file at a time.' });

    const cutOff = await fetch(`${running.url}/api/resume`, {
      method: 'POST',
      headers: { 'content-type': 'multipart/form-data; boundary=xyz' },
      body: '--xyz\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\nContent-Type: text/plain\r\n\r\nJane Doe',
    });
    expect(cutOff.status).toBe(400);
    expect(await cutOff.json()).toEqual({ error: 'bad_request', message: 'The upload could not be read. Try again.' });
  });
});
