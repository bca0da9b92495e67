// A provider that answers every request with a compression bomb: 200 OK and a small body that
// inflates to hundreds of megabytes. The first path segment picks the encoding:
//   /gzip/…, /br/…, /deflate/…  that encoding
//   /plain/…                    the inflated bytes themselves, streamed without a length
//   /declared/…                 a plain body that declares its (too large) length up front
// The bodies are made once, at start, a megabyte at a time.

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Transform } from 'node:stream';
import { constants, createBrotliCompress, createDeflate, createGzip } from 'node:zlib';

export interface CompressionBomb {
  url: string;
  /** The inflated size of every bomb. */
  inflatedBytes: number;
  /** Compressed sizes, by encoding. */
  sizes: Record<'gzip' | 'br' | 'deflate', number>;
  /** Requests answered so far. */
  requests: number;
  close(): Promise<void>;
}

const MB = 1024 * 1024;

async function compress(encoder: Transform, inflatedBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  encoder.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise((resolve, reject) => encoder.on('end', resolve).on('error', reject));
  const zeros = Buffer.alloc(MB, 0x20);
  for (let written = 0; written < inflatedBytes; written += MB) {
    if (!encoder.write(zeros)) await new Promise((resolve) => encoder.once('drain', resolve));
  }
  encoder.end();
  await done;
  return Buffer.concat(chunks);
}

export async function startCompressionBomb({ inflatedMb = 200 } = {}): Promise<CompressionBomb> {
  const inflatedBytes = inflatedMb * MB;
  const bombs = {
    gzip: await compress(createGzip({ level: 9 }), inflatedBytes),
    br: await compress(createBrotliCompress({ params: { [constants.BROTLI_PARAM_QUALITY]: 4 } }), inflatedBytes),
    deflate: await compress(createDeflate({ level: 9 }), inflatedBytes),
  };
  const state = { requests: 0 };
  const server = http.createServer((req, res) => {
    state.requests++;
    req.resume();
    const encoding = (req.url ?? '/').split('/')[1] ?? '';
    if (encoding === 'gzip' || encoding === 'br' || encoding === 'deflate') {
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': encoding, 'content-length': bombs[encoding].length });
      res.end(bombs[encoding]);
      return;
    }
    if (encoding === 'declared') res.setHeader('content-length', inflatedBytes);
    res.writeHead(200, { 'content-type': 'application/json' });
    const zeros = Buffer.alloc(MB, 0x20);
    let written = 0;
    const more = () => {
      while (written < inflatedBytes && !res.destroyed) {
        written += MB;
        if (!res.write(zeros)) return void res.once('drain', more);
      }
      res.end();
    };
    res.on('close', () => (written = inflatedBytes));
    more();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    inflatedBytes,
    sizes: { gzip: bombs.gzip.length, br: bombs.br.length, deflate: bombs.deflate.length },
    get requests() {
      return state.requests;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
