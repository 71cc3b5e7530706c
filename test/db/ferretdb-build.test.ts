import { stat } from 'node:fs/promises';

import { describe, expect, it } from 'vitest';

import { defaultFerretdbCacheDir, ensureFerretdbBinary } from '../../src/db/ferretdb-build.ts';

const quiet = { info: () => {}, warn: () => {} };

describe('ensureFerretdbBinary', () => {
  it('builds into the project cache once and reuses that binary afterwards', async () => {
    const first = await ensureFerretdbBinary({ log: quiet });
    const before = await stat(first.path);

    const second = await ensureFerretdbBinary({ log: quiet });
    const after = await stat(second.path);

    expect(first.path.startsWith(defaultFerretdbCacheDir())).toBe(true);
    expect(second).toEqual({ path: first.path, isFreshBuild: false });
    expect(after.ino).toBe(before.ino);
    expect(after.mtimeMs).toBe(before.mtimeMs);
  });
});
