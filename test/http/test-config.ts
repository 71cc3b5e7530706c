import type { Config } from '../../src/config/config.ts';

/**
 * A Config for tests of src/http, built directly rather than through loadConfig so that these
 * tests depend on the Config shape only.
 */
export function makeConfig(overrides: Partial<Config> = {}): Config {
  return {
    port: 0,
    host: '127.0.0.1',
    dataDir: '.data',
    mongodbDbName: 'ward',
    logLevel: 'silent',
    maxBodyBytes: 5_242_880,
    tlsSelfSigned: false,
    behindTlsProxy: false,
    historyDefaultCount: 50,
    historyMaxCount: 500,
    ...overrides,
  };
}
