import { existsSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import type { Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { MongoClient } from 'mongodb';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';

import { ensureFerretdbBinary } from '../../src/db/ferretdb-build.ts';
import { startFerretdb } from '../../src/db/ferretdb.ts';
import type { FerretdbServer } from '../../src/db/ferretdb.ts';
import * as freePort from '../../src/db/free-port.ts';
import { isAlive, listeningPorts, waitUntilGone } from './process-state.ts';

const quiet = { info: () => {}, warn: () => {} };
let binaryPath: string;
let scratch: string;
const started: FerretdbServer[] = [];

beforeAll(async () => {
  binaryPath = (await ensureFerretdbBinary({ log: quiet })).path;
  scratch = await mkdtemp(join(tmpdir(), 'ward-ferretdb-test-'));
});

afterEach(async () => {
  vi.restoreAllMocks();
  await Promise.all(started.splice(0).map((server) => server.stop()));
});

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

async function start(options: { dataDir?: string } = {}): Promise<FerretdbServer> {
  const server = await startFerretdb({ binaryPath, ...options });
  started.push(server);
  return server;
}

async function withClient<T>(uri: string, use: (client: MongoClient) => Promise<T>): Promise<T> {
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: 5000 });
  try {
    return await use(client);
  } finally {
    await client.close();
  }
}

describe('startFerretdb', () => {
  it('answers ping on a loopback port chosen by the OS, and listens on nothing else', async () => {
    const server = await start();

    const reply = await withClient(server.uri, (c) => c.db('admin').command({ ping: 1 }));

    expect(reply.ok).toBe(1);
    expect(server.uri).toBe(`mongodb://127.0.0.1:${server.port}/`);
    expect([8088, 27017]).not.toContain(server.port);
    expect(listeningPorts(server.pid)).toEqual([server.port]);
  });

  it('keeps its state file in its own folder, not in the working directory', async () => {
    const hadStateInCwd = existsSync(join(process.cwd(), 'state.json'));
    const server = await start();

    expect(existsSync(join(server.dir, 'state.json'))).toBe(true);
    expect(existsSync(join(process.cwd(), 'state.json'))).toBe(hadStateInCwd);
  });

  it('stops its process and removes its throw-away folder on stop()', async () => {
    const server = await start();
    expect(isAlive(server.pid)).toBe(true);

    await server.stop();

    expect(isAlive(server.pid)).toBe(false);
    expect(existsSync(server.dir)).toBe(false);
  });

  it('keeps data across restarts in a persistent folder', async () => {
    const dataDir = join(scratch, 'persistent');
    const first = await start({ dataDir });
    await withClient(first.uri, (c) => c.db('ward').collection('kept').insertOne({ n: 7 }));
    await first.stop();

    const second = await start({ dataDir });
    const found = await withClient(second.uri, (c) => c.db('ward').collection('kept').findOne());

    expect(found?.n).toBe(7);
    expect(existsSync(join(dataDir, 'state.json'))).toBe(true);
  });

  describe('when the chosen port is taken before FerretDB binds it', () => {
    let squatter: Server;

    afterEach(() => new Promise<void>((resolve) => squatter.close(() => resolve())));

    it('retries on another port', async () => {
      squatter = createServer((socket) => socket.destroy());
      await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve));
      const takenPort = (squatter.address() as { port: number }).port;
      const realFindFreePort = freePort.findFreePort;
      const findFreePort = vi
        .spyOn(freePort, 'findFreePort')
        .mockResolvedValueOnce(takenPort)
        .mockImplementation((host) => realFindFreePort(host));

      const server = await start();

      expect(findFreePort).toHaveBeenCalledTimes(2);
      expect(server.port).not.toBe(takenPort);
      const reply = await withClient(server.uri, (c) => c.db('admin').command({ ping: 1 }));
      expect(reply.ok).toBe(1);
    });
  });
});

describe('startFerretdb with a binary that fails', () => {
  async function writeScript(name: string, body: string): Promise<string> {
    const path = join(scratch, name);
    await writeFile(path, `#!/bin/sh\n${body}\n`);
    await chmod(path, 0o755);
    return path;
  }

  it('reports the tail of its stderr when it exits during start-up', async () => {
    const failing = await writeScript(
      'exits.sh',
      'echo "sqlite: unable to open folder" >&2; exit 3',
    );

    await expect(startFerretdb({ binaryPath: failing })).rejects.toThrow(
      /exited during start-up[\s\S]*sqlite: unable to open folder/,
    );
  });

  it('gives up after the start-up timeout and leaves no process behind', async () => {
    const pidFile = join(scratch, 'silent.pid');
    const silent = await writeScript('silent.sh', `echo $$ > ${pidFile}; exec sleep 120`);

    await expect(startFerretdb({ binaryPath: silent, startTimeoutMs: 1500 })).rejects.toThrow(
      /did not answer ping/,
    );

    const pid = Number.parseInt(await readFile(pidFile, 'utf8'), 10);
    expect(await waitUntilGone(pid, 10_000)).toBe(true);
  });
});
