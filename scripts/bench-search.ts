/**
 * Search benchmark (issue #3): latency p50/p99 of typical searches at growing database sizes,
 * and Ward's own CPU per search from its process accounting (`bench-server.ts`), apart from the
 * wall time that the database engine dominates.
 *
 *   tsx scripts/bench-search.ts
 *
 * Environment: BENCH_SEARCH_SIZES (`1000,10000,100000`) resource counts, BENCH_SEARCH_REQUESTS
 * (40) sequential requests per shape and size (fewer once BENCH_SEARCH_MAX_SHAPE_SECONDS, 60, have
 * passed, at least 3), BENCH_SEARCH_MAX_LOAD_SECONDS (600) budget for
 * growing to the next size (skipped, with the projection, when the measured rate says it would
 * exceed it), MONGODB_URI for an external server. Writes `.data/bench/search.json`.
 *
 * No `explain` check: FerretDB (the engine here) evaluates most filters without indexes, so its
 * plans say nothing about MongoDB's; run with MONGODB_URI on a real mongod for that.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startDatabaseEngine } from '../src/db/engine.ts';
import { startBenchServer } from './bench-child.ts';
import type { BenchServer } from './bench-child.ts';
import { createTokenSource } from './bench-search-auth.ts';
import { searchShapes } from './bench-search-queries.ts';
import type { SearchShape } from './bench-search-queries.ts';
import { SearchSeeder } from './bench-search-seed.ts';

const projectRoot = fileURLToPath(new URL('../', import.meta.url));
const resultsFile = join(projectRoot, '.data', 'bench', 'search.json');
const minRequests = 3;
/** Per shape and size: stop after this long (but not before `minRequests`); FerretDB is slow. */
const maxShapeSeconds = Number(process.env.BENCH_SEARCH_MAX_SHAPE_SECONDS ?? 60);

type TokenSource = () => Promise<string>;

interface ShapeResult {
  size: number;
  shape: string;
  requests: number;
  p50Ms: number;
  p99Ms: number;
  /** Ward's user + system CPU per search, from its own `process.cpuUsage()`. */
  cpuMicrosPerSearch: number;
  meanMatches: number;
}

interface SizeResult {
  size: number;
  loadSeconds?: number;
  skipped?: string;
}

async function main(): Promise<void> {
  const sizes = readList(process.env.BENCH_SEARCH_SIZES, [1000, 10_000, 100_000]);
  const requests = Number(process.env.BENCH_SEARCH_REQUESTS ?? 40);
  const maxLoadSeconds = Number(process.env.BENCH_SEARCH_MAX_LOAD_SECONDS ?? 600);
  const engine = await startDatabaseEngine({
    mongodbUri: process.env.MONGODB_URI || undefined,
    dataDir: join(projectRoot, '.data', 'bench'),
    persistent: false,
    log: { info: () => undefined, warn: () => undefined },
  });
  let server: BenchServer | undefined;
  const dbName = `bench_search_${randomBytes(4).toString('hex')}`;
  try {
    server = await startBenchServer('ward', {
      ...process.env,
      MONGODB_URI: engine.uri,
      MONGODB_DB: dbName,
      FHIR_MASTER_KEY: randomBytes(32).toString('base64'),
      LOG_LEVEL: 'warn',
    });
    process.stdout.write(`engine: ${engine.kind}; ${requests} requests per shape, one at a time\n`);
    const fhirBaseUrl = server.baseUrl;
    const token = await createTokenSource({ mongodbUri: engine.uri, dbName, fhirBaseUrl });
    const report = await runSizes(server, token, sizes, requests, maxLoadSeconds);
    process.stdout.write(`\n${formatTable(report.results)}\n`);
    for (const size of report.sizes) process.stdout.write(`${describeSize(size)}\n`);
    await mkdir(join(projectRoot, '.data', 'bench'), { recursive: true });
    const stamped = { finishedAt: new Date().toISOString(), engine: engine.kind, ...report };
    await writeFile(resultsFile, `${JSON.stringify(stamped, null, 2)}\n`);
    process.stdout.write(`results written to ${resultsFile}\n`);
  } finally {
    await server?.stop();
    await engine.stop();
  }
}

async function runSizes(
  server: BenchServer,
  token: TokenSource,
  sizes: number[],
  requests: number,
  maxLoadSeconds: number,
) {
  const seeder = new SearchSeeder(server.baseUrl, token);
  const results: ShapeResult[] = [];
  const sizeResults: SizeResult[] = [];
  let secondsPerResource: number | undefined;

  for (const size of sizes) {
    const projected = secondsPerResource && (size - seeder.size) * secondsPerResource;
    if (projected && projected > maxLoadSeconds) {
      sizeResults.push({ size, skipped: `loading would take about ${Math.round(projected)} s` });
      continue;
    }
    const before = seeder.size;
    const startedMs = performance.now();
    process.stdout.write(`loading to ${size} resources…\n`);
    await seeder.growTo(size);
    const loadSeconds = (performance.now() - startedMs) / 1000;
    secondsPerResource = loadSeconds / Math.max(1, seeder.size - before);
    sizeResults.push({ size: seeder.size, loadSeconds });

    for (const shape of searchShapes) {
      const result = await measureShape(server, token, seeder, shape, requests);
      process.stdout.write(`${formatRow(result)}\n`);
      results.push(result);
    }
  }
  return { sizes: sizeResults, results };
}

async function measureShape(
  server: BenchServer,
  token: TokenSource,
  seeder: SearchSeeder,
  shape: SearchShape,
  requests: number,
): Promise<ShapeResult> {
  // Warm-up: the first requests of a shape compile and cache what later ones reuse.
  for (let i = 0; i < 3; i++) await search(server, token, shape.url(seeder.loaded, i + requests));

  const cpuBefore = await server.sample();
  const latencies: number[] = [];
  let matches = 0;
  const deadlineMs = performance.now() + maxShapeSeconds * 1000;
  for (let i = 0; i < requests && (i < minRequests || performance.now() < deadlineMs); i++) {
    const startedMs = performance.now();
    matches += await search(server, token, shape.url(seeder.loaded, i));
    latencies.push(performance.now() - startedMs);
  }
  const cpuAfter = await server.sample();
  const cpuMicros =
    cpuAfter.userMicros + cpuAfter.systemMicros - cpuBefore.userMicros - cpuBefore.systemMicros;
  const searches = cpuAfter.requests - cpuBefore.requests;

  latencies.sort((a, b) => a - b);
  return {
    size: seeder.size,
    shape: shape.name,
    requests: latencies.length,
    p50Ms: percentile(latencies, 0.5),
    p99Ms: percentile(latencies, 0.99),
    cpuMicrosPerSearch: Math.round(cpuMicros / Math.max(1, searches)),
    meanMatches: matches / latencies.length,
  };
}

/** One search; answers how many entries matched (includes not counted). */
async function search(
  server: BenchServer,
  token: TokenSource,
  pathAndQuery: string,
): Promise<number> {
  const response = await fetch(`${server.baseUrl}${pathAndQuery}`, {
    headers: { accept: 'application/fhir+json', authorization: `Bearer ${await token()}` },
  });
  // Status only: the URL carries search values.
  if (response.status !== 200) throw new Error(`search answered ${response.status}`);
  const bundle = (await response.json()) as { entry?: Array<{ search?: { mode?: string } }> };
  return (bundle.entry ?? []).filter((e) => e.search?.mode === 'match').length;
}

function percentile(sorted: number[], q: number): number {
  const index = Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1);
  return Math.round(sorted[Math.max(0, index)]! * 10) / 10;
}

function formatTable(results: ShapeResult[]): string {
  const header =
    'size     shape                               p50 ms   p99 ms   Ward CPU µs/search  matches';
  return [header, ...results.map(formatRow)].join('\n');
}

function formatRow(r: ShapeResult): string {
  return (
    `${String(r.size).padEnd(8)} ${r.shape.padEnd(35)} ${String(r.p50Ms).padStart(6)}   ` +
    `${String(r.p99Ms).padStart(6)}   ${String(r.cpuMicrosPerSearch).padStart(18)}  ${r.meanMatches.toFixed(1)}`
  );
}

function describeSize(size: SizeResult): string {
  if (size.skipped) return `size ${size.size}: skipped, ${size.skipped}`;
  return `size ${size.size}: loaded in ${size.loadSeconds?.toFixed(1)} s (cumulative growth step)`;
}

function readList(text: string | undefined, fallback: number[]): number[] {
  if (!text) return fallback;
  const values = text.split(',').map(Number);
  if (values.some((v) => !Number.isInteger(v) || v < 1)) {
    throw new Error('BENCH_SEARCH_SIZES must be whole numbers separated by commas');
  }
  return values;
}

main().catch((error: unknown) => {
  process.stderr.write(`bench-search: ${error instanceof Error ? error.message : 'failed'}\n`);
  process.exitCode = 1;
});
