/**
 * Builds the FerretDB fallback engine into `.cache/ferretdb/<version>/` once, so that the Go
 * build (a minute or two) happens before the tests rather than inside a test hook.
 * Usage: npx tsx scripts/build-ferretdb.ts
 */
import { ensureFerretdbBinary } from '../src/db/ferretdb-build.ts';

const log = {
  info: (_fields: object, msg: string) => process.stderr.write(`${msg}\n`),
  warn: (_fields: object, msg: string) => process.stderr.write(`${msg}\n`),
};

const binary = await ensureFerretdbBinary({ log });
process.stdout.write(`${binary.isFreshBuild ? 'built' : 'cached'}: ${binary.path}\n`);
