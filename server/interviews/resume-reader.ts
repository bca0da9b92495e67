// Résumé files are read in child processes, never in the server: a crafted PDF or DOCX of a few
// KB can cost pdf.js or mammoth tens of seconds of CPU or gigabytes of memory. Each file gets
// its own child with a small heap and a wall-clock budget, is killed when over either, and
// becomes a 400 that asks for the text instead; other requests and live interviews never wait on it.

import { fork } from 'node:child_process';
import { setPriority } from 'node:os';
import { fileURLToPath } from 'node:url';
import { capacity, resumeError, unavailable, type ResumeRefusal } from '../http/errors.ts';
import { join } from 'node:path';
import { COMPILED, ROOT } from '../paths.ts';
import { childEnv, heapFlags } from '../workers/index.ts';
import type { ResumeText } from './resume-text.ts';

export type DocumentKind = 'pdf' | 'docx' | 'text';

export interface ReadRequest {
  kind: DocumentKind;
  bytes: Uint8Array;
}

/** Sent once the child has loaded what reads the file: its budget starts then. */
export type ReadProgress = { started: true };

export type ReadReply = { ok: ResumeText } | { refused: { code: ResumeRefusal; message: string } };

export interface ResumeReaderOptions {
  /** Wall-clock budget per file, from the child having loaded its library to its answer (5 s by default). */
  budgetMs?: number;
  /** How long a child may take to load its library (20 s by default; a second or less unless the machine is very busy). */
  startMs?: number;
  /** The child's V8 heap cap. */
  heapMb?: number;
  /** Children reading at once (default 1: on a 512 MB plan a second 100 MB child could be one too many); more files wait their turn. */
  concurrency?: number;
  /** Files waiting for a child at most (default 8); beyond that the upload is turned away. */
  maxWaiting?: number;
  /** The child's file and Node flags (default: the one beside this module, from sources or the build). */
  child?: ReaderChild;
}

export interface ReaderChild {
  path: string;
  execArgv: string[];
}

/** The reader child from the sources (through tsx) or from the build (dist/, as `npm run build` writes it). */
export function readerChild(compiled: boolean = COMPILED): ReaderChild {
  if (!compiled) return { path: fileURLToPath(new URL('./resume-reader-child.ts', import.meta.url)), execArgv: ['--import', 'tsx'] };
  const path = COMPILED ? fileURLToPath(new URL('./resume-reader-child.js', import.meta.url)) : join(ROOT, 'dist', 'server', 'interviews', 'resume-reader-child.js');
  return { path, execArgv: [] };
}

/**
 * Measured: 1.4 MB of Word-style DOCX XML (about 40 pages) reads within it; of the densest XML
 * (one-letter paragraphs) about 16,000 paragraphs do, 20,000 run out of heap.
 */
export const RESUME_READER_HEAP_MB = 64;
export const RESUME_READ_BUDGET_MS = 5_000;
const RESUME_READER_START_MS = 20_000;

export const tooComplex = () =>
  resumeError(
    'too_complex',
    'This file is too complex to read. Paste the text of your résumé instead, or upload a simpler PDF or DOCX.',
  );

export class ResumeReader {
  private readonly budgetMs: number;
  private readonly startMs: number;
  private readonly heapMb: number;
  private readonly concurrency: number;
  private readonly maxWaiting: number;
  private readonly child: ReaderChild;
  private reading = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(options: ResumeReaderOptions = {}) {
    this.budgetMs = options.budgetMs ?? RESUME_READ_BUDGET_MS;
    this.startMs = options.startMs ?? RESUME_READER_START_MS;
    this.heapMb = options.heapMb ?? RESUME_READER_HEAP_MB;
    this.concurrency = options.concurrency ?? 1;
    this.maxWaiting = options.maxWaiting ?? 8;
    this.child = options.child ?? readerChild();
  }

  /** The file's text, or the HttpError that says why it cannot be read. */
  async read(kind: DocumentKind, bytes: Buffer): Promise<ResumeText> {
    await this.takeTurn();
    try {
      return await this.readInChild({ kind, bytes });
    } finally {
      this.reading--;
      this.waiting.shift()?.();
    }
  }

  private async takeTurn(): Promise<void> {
    if (this.reading < this.concurrency) {
      this.reading++;
      return;
    }
    if (this.waiting.length >= this.maxWaiting) {
      throw capacity(10, 'Many résumés are being read right now. Try again in a few seconds, or paste the text.');
    }
    // The slot is handed over by the reader that finishes: `reading` stays counted.
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  private readInChild(request: ReadRequest): Promise<ResumeText> {
    return new Promise<ResumeText>((resolve, reject) => {
      const child = fork(this.child.path, [], {
        env: childEnv(process.env),
        // Explicit, so the child never inherits the server's flags (its heap cap, --inspect).
        execArgv: [...this.child.execArgv, ...heapFlags(this.heapMb)],
        serialization: 'advanced',
        stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
      });
      let settled = false;
      const settle = (outcome: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        child.kill('SIGKILL');
        outcome();
      };
      const cannotRead = () => unavailable('Résumé files cannot be read right now. Try again in a minute, or paste the text.');
      let timer = setTimeout(() => settle(() => reject(cannotRead())), this.startMs);
      try {
        // Reading a file gives way to the server and to interviews when the CPU is busy.
        if (child.pid !== undefined) setPriority(child.pid, 10);
      } catch {
        // Not allowed here: it still runs, at normal priority.
      }
      let started = false;
      child.on('message', (message: ReadProgress | ReadReply) => {
        if ('started' in message) {
          started = true;
          clearTimeout(timer);
          timer = setTimeout(() => settle(() => reject(tooComplex())), this.budgetMs);
        } else if ('ok' in message) {
          settle(() => resolve(message.ok));
        } else {
          settle(() => reject(resumeError(message.refused.code, message.refused.message)));
        }
      });
      // Out of heap (V8 aborts) or crashed while reading: this file cannot be read within the limits.
      // 'close', not 'exit': it comes after every message the child sent.
      child.once('close', () => settle(() => reject(started ? tooComplex() : cannotRead())));
      child.once('error', () => settle(() => reject(cannotRead())));
      // A child that dies before it takes the file is reported by 'exit'.
      child.send(request, () => {});
    });
  }
}

/** The server's one reader. */
export const resumeReader = new ResumeReader();

/** The reader with the configured budget (RESUME_READ_SECONDS): the server's own when that is the default. */
export function readerFor(config: { resumeReadMs: number }): ResumeReader {
  return config.resumeReadMs === RESUME_READ_BUDGET_MS ? resumeReader : new ResumeReader({ budgetMs: config.resumeReadMs });
}
