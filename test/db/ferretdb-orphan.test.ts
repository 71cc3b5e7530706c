import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

import { describe, expect, it } from 'vitest';

import { isAlive, waitUntil, waitUntilGone } from './process-state.ts';

const childScript = fileURLToPath(new URL('./fixtures/ferretdb-child.ts', import.meta.url));

describe('FerretDB started by a node process', () => {
  describe('when that process is killed with SIGKILL', () => {
    it('does not outlive it, and its throw-away folder goes too', async () => {
      // node itself, with tsx as a loader: a tsx CLI would add a process between us and it.
      const parent = spawn(process.execPath, ['--import', 'tsx', childScript], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      const [line] = (await once(createInterface({ input: parent.stdout }), 'line')) as [string];
      const { pid, dir } = JSON.parse(line) as { pid: number; dir: string };
      expect(isAlive(pid)).toBe(true);

      parent.kill('SIGKILL');

      expect(await waitUntilGone(pid, 15_000)).toBe(true);
      expect(await waitUntilGone(parent.pid ?? -1, 5_000)).toBe(true);
      expect(await waitUntil(() => !existsSync(dir), 5_000)).toBe(true);
    });
  });
});
