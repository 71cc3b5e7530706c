import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/setup/global-database.ts'],
    // Tests talk to a real server, which on the FerretDB fallback is SQLite-backed and slow.
    testTimeout: 30_000,
    // Generous for hooks: a first start may build FerretDB or start a replica set.
    hookTimeout: 180_000,
    // Child processes (FerretDB, mongod) are easier to keep track of from forks than threads.
    pool: 'forks',
    // The machines have two cores, and the database engine needs one of them.
    poolOptions: { forks: { minForks: 1, maxForks: 2 } },
  },
});
