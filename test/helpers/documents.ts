// Real documents for résumé tests, built byte by byte: PDFs with correct xref tables and zips
// (DOCX) with correct directories, including the hostile ones an upload must survive.

import { crc32, deflateRawSync, deflateSync } from 'node:zlib';
import { expect } from 'vitest';
import { HttpError } from '../../server/http/errors.ts';
import type { ResumeFile } from '../../server/interviews/resume.ts';

/** A PDF from numbered object bodies (object n is objects[n - 1]), with a correct xref table. */
export function buildPdf(objects: string[], trailerExtra = ''): Buffer {
  let out = '%PDF-1.4\n%\xe2\xe3\xcf\xd3\n';
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    offsets.push(Buffer.byteLength(out, 'latin1'));
    out += `${i + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xref = Buffer.byteLength(out, 'latin1');
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const offset of offsets) out += `${String(offset).padStart(10, '0')} 00000 n \n`;
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R ${trailerExtra}>>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}

export const pdfStream = (content: string) => `<< /Length ${Buffer.byteLength(content, 'latin1')} >>\nstream\n${content}\nendstream`;

/** A zip holding the given entries, deflated unless `stored`. */
export function buildZip(entries: Array<{ name: string; data: Buffer; stored?: boolean }>): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const { name, data, stored } of entries) {
    const body = stored ? data : deflateRawSync(data);
    const nameBytes = Buffer.from(name);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(stored ? 0 : 8, 8);
    local.writeUInt32LE(crc32(data), 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(stored ? 0 : 8, 10);
    central.writeUInt32LE(crc32(data), 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBytes, body);
    centrals.push(central, nameBytes);
    offset += 30 + nameBytes.length + body.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}


const CONTENT_TYPES =
  '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">' +
  '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>' +
  '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>';
const PACKAGE_RELS =
  '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' +
  '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>';

/** The smallest DOCX mammoth reads, with `body` as the inside of <w:body> (and any other parts). */
export function minimalDocx(body: string, parts: Array<{ name: string; data: Buffer; stored?: boolean }> = []): Buffer {
  return buildZip([
    ...parts,
    { name: '[Content_Types].xml', data: Buffer.from(CONTENT_TYPES) },
    { name: '_rels/.rels', data: Buffer.from(PACKAGE_RELS) },
    {
      name: 'word/document.xml',
      data: Buffer.from(`<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>${body}</w:body></w:document>`),
    },
  ]);
}

/** The audit's DOCX: `count` one-letter paragraphs (25,000 make a 3 KB file of 900 KB of XML). */
export const denseParagraphsDocx = (count: number) => minimalDocx('<w:p><w:r><w:t>a</w:t></w:r></w:p>'.repeat(count));

/**
 * The audit's PDF: `pages` pages sharing one FlateDecode content stream of `q Q` operators that
 * inflates to `inflatedBytes` (50 pages and 2 MB make a 10 KB file that costs pdf.js ~18 s).
 */
export function sharedContentPdf(pages: number, inflatedBytes: number): Buffer {
  const content = deflateSync(Buffer.from('q Q '.repeat(Math.ceil(inflatedBytes / 4))), { level: 9 }).toString('latin1');
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '',
    `<< /Length ${content.length} /Filter /FlateDecode >>\nstream\n${content}\nendstream`,
  ];
  const kids: string[] = [];
  for (let page = 0; page < pages; page++) {
    kids.push(`${objects.length + 1} 0 R`);
    objects.push('<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 3 0 R >>');
  }
  objects[1] = `<< /Type /Pages /Kids [${kids.join(' ')}] /Count ${pages} >>`;
  return buildPdf(objects);
}

export const DOCX_TYPE = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';
export const asPdf = (buffer: Buffer, originalname = 'resume.pdf'): ResumeFile => ({ buffer, originalname, mimetype: 'application/pdf' });
export const asDocx = (buffer: Buffer, originalname = 'resume.docx'): ResumeFile => ({ buffer, originalname, mimetype: DOCX_TYPE });
export const asText = (buffer: Buffer, originalname = 'resume.txt'): ResumeFile => ({ buffer, originalname, mimetype: 'text/plain' });

/** The HttpError `promise` rejects with. */
export async function rejection(promise: Promise<unknown>): Promise<HttpError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(HttpError);
  return err as HttpError;
}
