// Résumé files are read in a child process with its own heap and a wall-clock budget: a file
// crafted to cost pdf.js or mammoth seconds of CPU or gigabytes of memory becomes a 400 that asks
// for the text, and the server (this process here) keeps serving meanwhile.

import { afterEach, describe, expect, it } from 'vitest';
import { extractResumeText } from '../../server/interviews/resume.ts';
import { ResumeReader } from '../../server/interviews/resume-reader.ts';
import { builtResumeReader } from '../helpers/resume-reader.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { asDocx, asPdf, asText, denseParagraphsDocx, rejection, sharedContentPdf } from '../helpers/documents.ts';
import { childProcesses, isRunning } from '../helpers/processes.ts';
import { signInLocally } from '../helpers/session.ts';
import { waitFor } from '../helpers/wait.ts';

const pdfBomb = () => asPdf(sharedContentPdf(50, 2 * 1024 * 1024));
const docxBomb = () => asDocx(denseParagraphsDocx(25_000));
const text = (value: string) => asText(Buffer.from(value));

/** Turns of this process's event loop while `promise` is pending (a blocked loop turns once). */
async function loopTurnsDuring<T>(promise: Promise<T>): Promise<{ turns: number; outcome: Promise<T> }> {
  let turns = 0;
  let done = false;
  const settled = promise.finally(() => (done = true));
  settled.catch(() => {});
  while (!done) {
    await new Promise((resolve) => setImmediate(resolve));
    turns++;
  }
  return { turns, outcome: promise };
}

const readerChildren = () => childProcesses(process.pid).filter(({ command }) => command.includes('resume-reader-child'));

async function noReaderChildLeft(): Promise<void> {
  // SIGKILL has been sent; the kernel reaps the child a moment later.
  const running = () => readerChildren().filter(({ pid }) => isRunning(pid));
  await waitFor(() => running().length === 0, { explain: () => `reader children to exit; still running: ${JSON.stringify(running())}` });
}

describe('reading a résumé file in a child process', () => {
  it('stops a PDF that would cost pdf.js ~18 s of CPU at the budget, with a 400 that asks for the text, and this process keeps turning', async () => {
    const reader = builtResumeReader({ budgetMs: 1500 });
    const { turns, outcome } = await loopTurnsDuring(extractResumeText(pdfBomb(), reader));
    const err = await rejection(outcome);
    expect(err).toMatchObject({ status: 400, code: 'too_complex' });
    expect(err.message).toBe('This file is too complex to read. Paste the text of your résumé instead, or upload a simpler PDF or DOCX.');
    expect(turns).toBeGreaterThan(10);
    await noReaderChildLeft();
  });

  it("answers a DOCX that runs the reader's heap out (the audit's 3 KB file of 25,000 paragraphs) with the same 400, and this process's heap never holds it", async () => {
    const file = docxBomb();
    expect(file.buffer.length).toBeLessThan(4 * 1024);
    const before = process.memoryUsage().heapUsed;
    const err = await rejection(extractResumeText(file, builtResumeReader()));
    expect(err).toMatchObject({ status: 400, code: 'too_complex' });
    // Parsed here, this file costs well over 100 MB of heap.
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(30 * 1024 * 1024);
    await noReaderChildLeft();
  });

  it('still reads an ordinary file, and gives the same answers as before for refusals made in the child', async () => {
    // From the sources through tsx, as `npm start` runs in development.
    const reader = new ResumeReader();
    expect(await extractResumeText(text('Jane Doe\n\nEngineer'), reader)).toEqual({ text: 'Jane Doe\n\nEngineer', chars: 18 });
    const err = await rejection(extractResumeText(text('   \n  '), reader));
    expect(err).toMatchObject({ status: 400, code: 'no_text' });
  });

  it('reads one file at a time by default; files beyond the waiting room are turned away with 429, not queued without end', async () => {
    // Children of earlier tests may still be on their way out: count only this test's.
    const earlier = new Set(readerChildren().map(({ pid }) => pid));
    const ours = () => readerChildren().filter(({ pid }) => !earlier.has(pid));
    const reader = builtResumeReader({ budgetMs: 1000, maxWaiting: 1 });
    const first = extractResumeText(pdfBomb(), reader);
    const second = extractResumeText(text('Jane Doe'), reader);
    const third = await rejection(extractResumeText(text('John Doe'), reader));
    expect(third).toMatchObject({ status: 429, code: 'capacity' });
    expect(third.headers?.['Retry-After']).toBeTruthy();
    // The first file's child may still be forking when the third is turned away; the second's waits for it to end.
    await waitFor(() => ours().length > 0, { explain: 'the first file’s reader child to be forked', timeoutMs: 20_000 });
    expect(ours()).toHaveLength(1);
    expect((await rejection(first)).code).toBe('too_complex');
    expect((await second).text).toBe('Jane Doe');
  });
});

describe('POST /api/resume', () => {
  let app: TestApp | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it('is rate-limited per user', async () => {
    app = await startTestApp({ rateLimits: { resume: { windowMs: 60_000, perIp: 100, perUser: 2 } } });
    const { agent, token } = await signInLocally(app);
    // An empty file is refused before any child is forked, and counts like any upload.
    const upload = () => agent.post('/api/resume').set('x-csrf-token', token).attach('file', Buffer.alloc(0), { filename: 'cv.txt', contentType: 'text/plain' });
    expect((await upload()).body).toMatchObject({ error: 'empty_file' });
    expect((await upload()).body).toMatchObject({ error: 'empty_file' });
    const limited = await upload();
    expect(limited.status).toBe(429);
    expect(limited.body.message).toMatch(/^Too many résumé uploads\. Try again in/);
    expect(limited.get('retry-after')).toBeTruthy();
  }, 60_000);
});
