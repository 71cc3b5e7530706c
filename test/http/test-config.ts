import { loadConfig } from '../../src/config/config.ts';
import type { Config } from '../../src/config/config.ts';

/** A Config for tests of src/http: the documented defaults, quiet, with overrides. */
export function makeConfig(overrides: Partial<Config> = {}): Config {
  return { ...loadConfig({ LOG_LEVEL: 'silent', PORT: '0' }), ...overrides };
}
