import { defineConfig } from 'vitest/config';

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
  },
});
