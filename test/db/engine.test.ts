import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startDatabaseEngine } from '../../src/db/engine.ts';
import { findFreePort } from '../../src/db/free-port.ts';
import { findMongod } from '../../src/db/memory-server.ts';

let scratch: string;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'ward-engine-test-'));
});

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

function captureLog(): { log: { info: Logged; warn: Logged }; lines: string[] } {
  const lines: string[] = [];
  const record: Logged = (fields, msg) => lines.push(`${msg} ${JSON.stringify(fields)}`);
  return { log: { info: record, warn: record }, lines };
}
type Logged = (fields: object, msg: string) => void;

describe('startDatabaseEngine', () => {
  describe('when MONGODB_URI is given', () => {
    it('uses it as it is and starts nothing', async () => {
      const { log, lines } = captureLog();
      const uri = 'mongodb://db.example.invalid:27017/?replicaSet=rs0';

      const options = { mongodbUri: uri, dataDir: scratch, persistent: false, log };

      const engine = await startDatabaseEngine(options);
      await engine.stop();

      expect(engine).toMatchObject({ kind: 'external', uri, reason: 'MONGODB_URI is set' });
      expect(lines).toEqual([]);
    });
  });

  describe('when MONGODB_URI is not given', () => {
    it('starts an engine that answers ping and says why it chose it', async () => {
      const { log, lines } = captureLog();
      const mongod = await findMongod();

      const engine = await startDatabaseEngine({ dataDir: scratch, persistent: false, log });
      const client = new MongoClient(engine.uri, { serverSelectionTimeoutMS: 10_000 });
      try {
        expect((await client.db('admin').command({ ping: 1 })).ok).toBe(1);
      } finally {
        await client.close();
        await engine.stop();
      }

      if (mongod.binaryPath) {
        expect(engine.kind).toBe('mongodb-memory-server');
      } else {
        expect(engine.kind).toBe('ferretdb');
        expect(engine.reason).toMatch(
          /^no mongod binary could be obtained \(.+\); FerretDB fallback$/,
        );
        expect(lines.join('\n')).toContain('trying FerretDB');
      }
    });
  });
});

describe('startDatabaseEngine for npm start (persistent)', () => {
  it('keeps the fallback engine files under the data folder', async (context) => {
    if ((await findMongod()).binaryPath) context.skip(); // mongod keeps its files under mongo/

    const dataDir = join(scratch, 'data');
    const engine = await startDatabaseEngine({ dataDir, persistent: true, log: captureLog().log });
    const client = new MongoClient(engine.uri);
    try {
      await client.db('ward').collection('kept').insertOne({ n: 1 });
    } finally {
      await client.close();
      await engine.stop();
    }

    expect(engine.kind).toBe('ferretdb');
    expect(existsSync(join(dataDir, 'ferretdb', 'state.json'))).toBe(true);
    expect(existsSync(join(dataDir, 'ferretdb', 'ward.sqlite'))).toBe(true);
  });
});

describe('findMongod', () => {
  it('takes MONGOMS_SYSTEM_BINARY when it names an executable', async () => {
    const fake = join(scratch, 'my-mongod');
    await writeFile(fake, '#!/bin/sh\n');
    await chmod(fake, 0o755);

    const found = await findMongod({ MONGOMS_SYSTEM_BINARY: fake, PATH: '' });

    expect(found).toMatchObject({ binaryPath: fake, source: 'MONGOMS_SYSTEM_BINARY' });
  });

  it('says so when MONGOMS_SYSTEM_BINARY names nothing runnable', async () => {
    const found = await findMongod({ MONGOMS_SYSTEM_BINARY: join(scratch, 'missing'), PATH: '' });

    expect(found.binaryPath).toBeUndefined();
    expect(found.reason).toMatch(/MONGOMS_SYSTEM_BINARY/);
  });

  it('finds a mongod on PATH', async () => {
    const bin = join(scratch, 'bin');
    await mkdir(bin);
    await writeFile(join(bin, 'mongod'), '#!/bin/sh\n');
    await chmod(join(bin, 'mongod'), 0o755);

    const found = await findMongod({ PATH: bin });

    expect(found).toMatchObject({ binaryPath: join(bin, 'mongod'), source: 'mongod on PATH' });
  });

  it('gives up when the download host does not answer, instead of waiting', async (context) => {
    if ((await findMongod({ PATH: '', MONGOMS_RUNTIME_DOWNLOAD: 'false' })).binaryPath) {
      context.skip(); // a cached mongod on this machine short-cuts the download
    }
    const closedPort = await findFreePort();

    const found = await findMongod({
      PATH: '',
      MONGOMS_DOWNLOAD_URL: `http://127.0.0.1:${closedPort}/mongodb.tgz`,
    });

    expect(found.binaryPath).toBeUndefined();
    expect(found.reason).toMatch(/download failed/);
  });
});
