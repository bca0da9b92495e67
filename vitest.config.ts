import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * Started before the others: the voice run keeps pace with real audio for about two minutes
 * whatever the machine, and the hostile inputs come next. Without durations from an earlier run
 * (a clean clone, as CI runs), vitest starts the largest files first, and the voice run, 22nd by
 * size, began late enough for the suite to end waiting on it.
 */
const LONGEST = ['test/voice/voice-interview.test.ts', 'test/hostile/hostile-input.test.ts'];

class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (file: TestSpecification) => {
      const at = LONGEST.findIndex((path) => file.moduleId.endsWith(path));
      return at < 0 ? LONGEST.length : at;
    };
    return (await super.sort(files)).sort((a, b) => rank(a) - rank(b));
  }
}

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/setup/global.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // A worker runs file after file without loading again what they share (the server's modules,
    // the database template): imports took 37 s of an isolated run's CPU, 7 s this way.
    isolate: false,
    fileParallelism: true,
    // More workers than cores: many files spend most of their time waiting for processes they
    // started (servers, agent children, Chromium) or for real time to pass (the voice run's audio,
    // idle limits). 4 on the 2-core machine: 245 s against 300 s with 2 (README, Tests).
    maxWorkers: 4,
    sequence: { sequencer: LongestFirst },
  },
});
