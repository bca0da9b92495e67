import { readerChild, ResumeReader, type ResumeReaderOptions } from '../../server/interviews/resume-reader.ts';

/**
 * A résumé reader whose children run the production build the run made (test/setup/production-build.ts):
 * about 0.3 s of CPU a file against 2 s through tsx. test/interviews/resume-reader.test.ts keeps
 * one reader on the sources, the development path.
 */
export function builtResumeReader(options: ResumeReaderOptions = {}): ResumeReader {
  return new ResumeReader({ child: readerChild(true), ...options });
}
