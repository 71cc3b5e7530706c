import type { Config } from '../config/config.ts';
import type { BlindIndexFn } from '../search/index-entry.ts';
import type { SearchService } from '../search/search-service.ts';
import type { ResourceStore } from '../store/resource-store.ts';
import type { AccessGuard } from './access.ts';

/** What every interaction handler works with. */
export interface RestContext {
  store: ResourceStore;
  search: SearchService;
  guard: AccessGuard;
  config: Config;
  /** Key of page tokens (history and search). */
  pageKey: Buffer;
  /** Keyed hash for audit records of changed values (never plaintext). */
  blind: BlindIndexFn;
}
