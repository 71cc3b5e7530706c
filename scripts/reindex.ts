/**
 * `npm run reindex`: rebuilds the search index of every current resource version, for when
 * search definitions, extraction or the blind-index key change. Same configuration as
 * `npm start`; safe while Ward serves (see src/search/reindex.ts).
 */
import pino from 'pino';
import { loadConfig } from '../src/config/config.ts';
import { openWard } from '../src/open-ward.ts';
import { reindexAll } from '../src/search/reindex.ts';
import { createResourceIndexer } from '../src/search/resource-indexer.ts';

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const log = pino({ level: config.logLevel });
  const ward = await openWard(config, log);
  try {
    const indexer = createResourceIndexer(ward.keyRing.blindIndex, config.baseUrl);
    log.info(await reindexAll(ward.db, ward.keyRing, indexer), 'reindex finished');
  } finally {
    await ward.close();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`reindex failed: ${err instanceof Error ? err.message : 'unexpected failure'}\n`);
  process.exit(1);
});
