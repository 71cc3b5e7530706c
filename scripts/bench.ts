/**
 * `npm run bench`: Ward against a bare Fastify + MongoDB baseline, in the same run, on the same
 * embedded database engine (issue #2). Each server runs in its own child process
 * (`bench-server.ts`) so that its CPU time per request comes from its own `process.cpuUsage()`,
 * which does not depend on the engine's speed the way wall-clock throughput does.
 *
 * Environment: BENCH_SECONDS (10) per measured run, BENCH_WARMUP_SECONDS (1) unmeasured before
 * each, BENCH_CONNECTIONS (10), BENCH_SEED (200) Patients per server, BENCH_DATA (the Synthea
 * folder), MONGODB_URI to use an external server instead of the embedded engine,
 * BENCH_CPU_PROF_DIR to have each server write a V8 CPU profile there.
 * Writes `.data/bench/last.json`.
 */
import { randomBytes } from 'node:crypto';
import { cpus } from 'node:os';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MongoClient } from 'mongodb';
import { startDatabaseEngine } from '../src/db/engine.ts';
import type { DatabaseEngine, EngineLog } from '../src/db/engine.ts';
import { startBenchServer } from './bench-child.ts';
import type { BenchServer } from './bench-child.ts';
import type { ServerKind } from './bench-ipc.ts';
import { planScenario, runScenario, scenarioNames } from './bench-load.ts';
import type { LoadOptions, ScenarioName, ScenarioPlan, ScenarioResult } from './bench-load.ts';
import { planTokenScenario } from './bench-token.ts';
import { computeRatios, formatTable } from './bench-report.ts';
import { loadSyntheaPatients, seedPatients } from './bench-seed.ts';
import { syntheaDir } from '../test/helpers/shared-data.ts';

const projectRoot = fileURLToPath(new URL('../', import.meta.url));
const resultsFile = join(projectRoot, '.data', 'bench', 'last.json');

/** The baseline runs first in each scenario so all meet the engine in a similar state. */
const serverOrder: readonly ServerKind[] = [
  'baseline',
  'ward',
  'ward-unaudited',
  'ward-unauthenticated',
];

/**
 * Which servers run which scenario: audit on/off for read and search (issue #5), the token
 * endpoint on Ward alone, writes against the baseline (issue #2). The baseline has no search.
 */
const scenarioServers: Record<ScenarioName, readonly ServerKind[]> = {
  read: ['baseline', 'ward', 'ward-unaudited', 'ward-unauthenticated'],
  search: ['ward', 'ward-unaudited'],
  token: ['ward'],
  update: ['baseline', 'ward'],
  create: ['baseline', 'ward'],
};

interface BenchSettings extends LoadOptions {
  seedCount: number;
  dataFolder: string;
  mongodbUri?: string;
}

async function main(): Promise<void> {
  const settings = readSettings(process.env);
  const patients = await loadSyntheaPatients(settings.dataFolder);

  const engine = await startDatabaseEngine({
    mongodbUri: settings.mongodbUri,
    dataDir: join(projectRoot, '.data', 'bench'),
    persistent: false,
    log: engineLog,
  });
  const cleanup = onceCleanup(engine);
  process.once('SIGINT', () => void cleanup.run().finally(() => process.exit(130)));
  process.once('SIGTERM', () => void cleanup.run().finally(() => process.exit(143)));

  try {
    process.stdout.write(`engine: ${engine.kind}; ${describeRun(settings)}\n`);
    const servers = await startServers(engine, cleanup);
    const results: ScenarioResult[] = [];
    const seeded = new Map<ServerKind, string[]>();
    for (const server of servers) {
      const authorization = bearerOf(server);
      const ids = await seedPatients(server.baseUrl, patients, settings.seedCount, authorization);
      seeded.set(server.kind, ids);
    }

    for (const scenario of scenarioNames) {
      for (const server of servers.filter((s) => scenarioServers[scenario].includes(s.kind))) {
        const ids = seeded.get(server.kind) ?? [];
        const plan = await planFor(scenario, server, { ids, patients }, settings);
        process.stdout.write(`running ${scenario} on ${server.kind}…\n`);
        results.push(await runScenario(server, scenario, plan, settings));
      }
    }

    const ratios = computeRatios(results);
    process.stdout.write(`\n${formatTable(results, ratios)}\n`);
    await writeResults({ engine: engine.kind, settings, results, ratios });
    process.stdout.write(`\nresults written to ${resultsFile}\n`);
  } finally {
    await cleanup.run();
  }
}

function bearerOf(server: BenchServer): string | undefined {
  return server.credentials ? `Bearer ${server.credentials.accessToken}` : undefined;
}

async function planFor(
  scenario: ScenarioName,
  server: BenchServer,
  seeded: { ids: readonly string[]; patients: readonly Record<string, unknown>[] },
  settings: BenchSettings,
): Promise<ScenarioPlan> {
  if (scenario === 'token') {
    if (!server.credentials) throw new Error(`${server.kind} has no token endpoint`);
    return planTokenScenario(server.credentials, settings.seconds + settings.warmupSeconds);
  }
  const plan = planScenario(scenario, new URL(server.baseUrl).pathname, seeded);
  return { ...plan, authorization: bearerOf(server) };
}

/** Engine start-up notes on stderr, one short line each; their fields never carry PHI. */
const engineLog: EngineLog = {
  info: () => undefined,
  warn: (fields, msg) => process.stderr.write(`bench: ${msg} ${JSON.stringify(fields)}\n`),
};

function readSettings(env: NodeJS.ProcessEnv): BenchSettings {
  return {
    seconds: readPositive(env, 'BENCH_SECONDS', 10),
    warmupSeconds: readPositive(env, 'BENCH_WARMUP_SECONDS', 1, { allowZero: true }),
    connections: readPositive(env, 'BENCH_CONNECTIONS', 10),
    seedCount: readPositive(env, 'BENCH_SEED', 200),
    dataFolder: env.BENCH_DATA || syntheaDir,
    mongodbUri: env.MONGODB_URI || undefined,
  };
}

function readPositive(
  env: NodeJS.ProcessEnv,
  name: string,
  fallback: number,
  options: { allowZero?: boolean } = {},
): number {
  const text = env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  const min = options.allowZero ? 0 : 1;
  if (!Number.isInteger(value) || value < min || value > 3600) {
    throw new Error(`${name} must be a whole number from ${min} to 3600`);
  }
  return value;
}

function describeRun(s: BenchSettings): string {
  return (
    `${s.seconds} s per run after ${s.warmupSeconds} s warm-up, ${s.connections} connections, ` +
    `${s.seedCount} seeded Patients per server, node ${process.version}, ${cpus().length} CPUs`
  );
}

/** The servers share the engine but not a database; each Ward gets a fresh random master key. */
async function startServers(engine: DatabaseEngine, cleanup: Cleanup): Promise<BenchServer[]> {
  const suffix = randomBytes(4).toString('hex');
  const servers: BenchServer[] = [];
  for (const kind of serverOrder) {
    const dbName = `bench_${kind}_${suffix}`;
    cleanup.databases.push(dbName);
    const env = {
      ...process.env,
      MONGODB_URI: engine.uri,
      MONGODB_DB: dbName,
      FHIR_MASTER_KEY: randomBytes(32).toString('base64'),
      LOG_LEVEL: 'warn',
      HOST: '127.0.0.1',
      PORT: '0',
    };
    const server = await startBenchServer(kind, env);
    cleanup.servers.push(server);
    servers.push(server);
  }
  return servers;
}

interface Cleanup {
  servers: BenchServer[];
  databases: string[];
  run(): Promise<void>;
}

/** Stops the servers, drops the bench databases (for an external server), stops the engine. */
function onceCleanup(engine: DatabaseEngine): Cleanup {
  let running: Promise<void> | undefined;
  const cleanup: Cleanup = {
    servers: [],
    databases: [],
    run: () => {
      running ??= (async () => {
        await Promise.allSettled(cleanup.servers.map((s) => s.stop()));
        await dropDatabases(engine.uri, cleanup.databases).catch(() => undefined);
        await engine.stop();
      })();
      return running;
    },
  };
  return cleanup;
}

async function dropDatabases(uri: string, names: readonly string[]): Promise<void> {
  if (names.length === 0) return;
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: 5000 });
  try {
    for (const name of names) await client.db(name).dropDatabase();
  } finally {
    await client.close();
  }
}

async function writeResults(report: object): Promise<void> {
  await mkdir(join(projectRoot, '.data', 'bench'), { recursive: true });
  const stamped = { finishedAt: new Date().toISOString(), node: process.version, ...report };
  await writeFile(resultsFile, `${JSON.stringify(stamped, null, 2)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench: ${error instanceof Error ? error.message : 'failed'}\n`);
  process.exitCode = 1;
});
