/**
 * Index extraction cost per resource over the Synthea data: every parameter read by the FHIRPath
 * engine ("naive") against the compiled plan, in the same run. Prints µs per Patient and per
 * Observation (process CPU time), with a trivial blind function (extraction alone) and with
 * HMAC-SHA256 blinding.
 *
 *   npx tsx scripts/bench-extract.ts [data folder]
 */
import { createHmac, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Bundle, Resource } from 'fhir/r4';
import { buildExtractionPlan, type ExtractionPlan } from '../src/search/extract-plan.ts';
import { extractIndexWithPlan } from '../src/search/extract.ts';
import type { BlindIndexFn } from '../src/search/index-entry.ts';
import { syntheaDir } from '../test/helpers/shared-data.ts';

const folder = process.argv[2] ?? syntheaDir;
const types = ['Patient', 'Observation'] as const;

const cheapBlind: BlindIndexFn = (purpose, value) => `${purpose}\u0000${value}`;
const key = randomBytes(32);
const hmacBlind: BlindIndexFn = (purpose, value) =>
  createHmac('sha256', key).update(purpose).update('\u0000').update(value).digest('base64url');

function loadResources(): Map<string, Resource[]> {
  const byType = new Map<string, Resource[]>(types.map((t) => [t, []]));
  for (const file of readdirSync(folder)) {
    if (!file.endsWith('.json') || file === 'manifest.json') continue;
    const bundle = JSON.parse(readFileSync(join(folder, file), 'utf8')) as Bundle;
    for (const entry of bundle.entry ?? []) {
      if (entry.resource) byType.get(entry.resource.resourceType)?.push(entry.resource);
    }
  }
  return byType;
}

function measureMicros(resources: Resource[], plan: ExtractionPlan, blind: BlindIndexFn): number {
  let entries = 0;
  const rounds = Math.max(1, Math.ceil(20_000 / resources.length));
  for (const r of resources.slice(0, 200)) entries += extractIndexWithPlan(r, blind, plan).length;

  // CPU time of this process, not wall time: the benchmark machines are shared.
  const start = process.cpuUsage();
  for (let round = 0; round < rounds; round++) {
    for (const r of resources) entries += extractIndexWithPlan(r, blind, plan).length;
  }
  const used = process.cpuUsage(start);
  if (entries === 0) throw new Error('no entries extracted');
  return (used.user + used.system) / (rounds * resources.length);
}

const data = loadResources();
for (const type of types) {
  const resources = data.get(type) ?? [];
  const naive = buildExtractionPlan(type, 'fhirpath');
  const compiled = buildExtractionPlan(type, 'compiled');
  const viaEngine = compiled.filter((p) => p.engine === 'fhirpath').map((p) => p.def.code);

  const rows = {
    'naive FHIRPath, cheap blind': measureMicros(resources, naive, cheapBlind),
    'compiled, cheap blind': measureMicros(resources, compiled, cheapBlind),
    'compiled, HMAC-SHA256 blind': measureMicros(resources, compiled, hmacBlind),
  };
  console.log(`${type}: ${resources.length} resources, ${compiled.length} parameters`);
  console.log(`  still on the FHIRPath engine: ${viaEngine.join(', ') || 'none'}`);
  for (const [label, micros] of Object.entries(rows)) {
    console.log(`  ${label.padEnd(30)} ${micros.toFixed(1).padStart(8)} µs per ${type}`);
  }
}
