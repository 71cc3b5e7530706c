import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadMasterKey } from '../../src/crypto/master-key.ts';

describe('loadMasterKey', () => {
  let root: string;
  let dataDir: string;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'ward-master-key-'));
    dataDir = join(root, 'data');
  });

  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  describe('when FHIR_MASTER_KEY is configured', () => {
    it('uses it and touches no file', async () => {
      const configuredKey = randomBytes(32);

      const loaded = await loadMasterKey({ configuredKey, dataDir, allowKeyFile: true });

      expect(loaded.source).toBe('environment');
      expect(loaded.key.equals(configuredKey)).toBe(true);
      await expect(stat(dataDir)).rejects.toMatchObject({ code: 'ENOENT' });
    });

    it('refuses a key that is not 32 bytes, without quoting it', async () => {
      const configuredKey = randomBytes(31);

      const attempt = loadMasterKey({ configuredKey, dataDir, allowKeyFile: true });

      await expect(attempt).rejects.toThrow('FHIR_MASTER_KEY must decode to exactly 32 bytes');
      await expect(attempt).rejects.not.toThrow(configuredKey.toString('base64'));
    });
  });

  describe('when no key is configured', () => {
    it('refuses to start outside the embedded default', async () => {
      await expect(loadMasterKey({ dataDir, allowKeyFile: false })).rejects.toThrow(
        /no master key: set FHIR_MASTER_KEY/,
      );
    });

    it('creates a 0600 key file in a 0700 directory on first start', async () => {
      const loaded = await loadMasterKey({ dataDir, allowKeyFile: true });

      expect(loaded.source).toBe('new-key-file');
      expect(loaded.key).toHaveLength(32);
      expect((await stat(dataDir)).mode & 0o777).toBe(0o700);
      expect((await stat(join(dataDir, 'master.key'))).mode & 0o777).toBe(0o600);
      const stored = (await readFile(join(dataDir, 'master.key'), 'utf8')).trim();
      expect(Buffer.from(stored, 'base64').equals(loaded.key)).toBe(true);
    });

    it('reuses the key file on the next start', async () => {
      const first = await loadMasterKey({ dataDir, allowKeyFile: true });

      const second = await loadMasterKey({ dataDir, allowKeyFile: true });

      expect(second.source).toBe('key-file');
      expect(second.key.equals(first.key)).toBe(true);
    });

    it('gives processes starting together one and the same key', async () => {
      const loads = await Promise.all(
        Array.from({ length: 6 }, () => loadMasterKey({ dataDir, allowKeyFile: true })),
      );

      expect(loads.filter((loaded) => loaded.source === 'new-key-file')).toHaveLength(1);
      for (const loaded of loads) expect(loaded.key.equals(loads[0]!.key)).toBe(true);
    });

    it('refuses a key file that group or others can read, without quoting the key', async () => {
      const { key } = await loadMasterKey({ dataDir, allowKeyFile: true });
      await chmod(join(dataDir, 'master.key'), 0o644);

      const attempt = loadMasterKey({ dataDir, allowKeyFile: true });

      await expect(attempt).rejects.toThrow(/readable by group or others/);
      await expect(attempt).rejects.not.toThrow(key.toString('base64'));
    });

    it('refuses a malformed key file', async () => {
      await loadMasterKey({ dataDir, allowKeyFile: true });
      const shortKey = randomBytes(16).toString('base64');
      await writeFile(join(dataDir, 'master.key'), shortKey, { mode: 0o600 });

      await expect(loadMasterKey({ dataDir, allowKeyFile: true })).rejects.toThrow(
        /master key file .* is malformed/,
      );
    });

    it('refuses a key file that is a symbolic link', async () => {
      const elsewhere = join(root, 'elsewhere.key');
      await writeFile(elsewhere, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600 });
      await loadMasterKey({ dataDir, allowKeyFile: true });
      await rm(join(dataDir, 'master.key'));
      await symlink(elsewhere, join(dataDir, 'master.key'));

      await expect(loadMasterKey({ dataDir, allowKeyFile: true })).rejects.toThrow(
        /symbolic link/,
      );
    });
  });
});
