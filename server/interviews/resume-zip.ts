// The parts of a DOCX (a zip), read from its central directory, and what they inflate to.

import { inflateRawSync } from 'node:zlib';

export interface ZipEntry {
  name: string;
  method: number;
  compressedSize: number;
  localHeaderOffset: number;
}

/** The zip's central directory, or undefined when the file is truncated or not a zip we can read. */
export function readZipEntries(buffer: Buffer): ZipEntry[] | undefined {
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

export interface InflatedLimits {
  /** All parts together, pictures included. */
  allBytes: number;
  /** The XML parts, which the reader parses into a tree: this is what costs memory. */
  xmlBytes: number;
}

export type InflatedCheck = 'ok' | 'damaged' | 'too_big';

/**
 * Inflates every part with a hard output cap: the sizes a zip declares can lie, and a reader
 * would inflate and parse whatever it is given.
 */
export function checkInflatedSize(buffer: Buffer, entries: ZipEntry[], limits: InflatedLimits): InflatedCheck {
  let all = limits.allBytes;
  let xml = limits.xmlBytes;
  for (const entry of entries) {
    const header = entry.localHeaderOffset;
    if (header + 30 > buffer.length || buffer.readUInt32LE(header) !== 0x04034b50) return 'damaged';
    const start = header + 30 + buffer.readUInt16LE(header + 26) + buffer.readUInt16LE(header + 28);
    const data = buffer.subarray(start, start + entry.compressedSize);
    const parsed = /\.(xml|rels)$/i.test(entry.name);
    let size: number;
    if (entry.method === 0) {
      size = data.length;
    } else if (entry.method === 8) {
      try {
        size = inflateRawSync(data, { maxOutputLength: Math.max(1, Math.min(all, parsed ? xml : all)) }).length;
      } catch (err) {
        return (err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE' ? 'too_big' : 'damaged';
      }
    } else {
      return 'damaged';
    }
    all -= size;
    if (parsed) xml -= size;
    if (all < 0 || xml < 0) return 'too_big';
  }
  return 'ok';
}
