import { hostname } from 'node:os';
import { Ajv } from 'ajv';

/** Ward's configuration: read once from the environment at start-up, then frozen. */
export interface Config {
  port: number;
  host: string;
  dataDir: string;
  mongodbUri?: string;
  /** Database name used inside the engine. */
  mongodbDbName: string;
  /** 32-byte master key, base64 in the environment. */
  masterKey?: Buffer;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  maxBodyBytes: number;
  tlsCertFile?: string;
  tlsKeyFile?: string;
  /** Generate a self-signed certificate into `dataDir` and serve HTTPS with it. */
  tlsSelfSigned: boolean;
  /** The operator declares that a TLS-terminating proxy sits in front of Ward. */
  behindTlsProxy: boolean;
  /** Public base URL of the FHIR endpoint, used in Location headers and Bundle links. */
  baseUrl?: string;
  historyDefaultCount: number;
  historyMaxCount: number;
  searchDefaultCount: number;
  searchMaxCount: number;
  /** External identity providers whose tokens Ward accepts: JSON text, or a file holding it. */
  externalIdps?: string;
  externalIdpsFile?: string;
  /** The role → scope configuration; default config/roles.v1.json. */
  rolesFile?: string;
  /** End a user's other sessions when they log in. */
  singleSession: boolean;
  audit: {
    site: string;
    observer: string;
    batchWindowMs: number;
    failedLoginsPerHour: number;
    recordsPerHour: number;
    /** Business hours for the after-hours rule: IANA zone, days 0–6, `HH:MM` start and end. */
    businessHours: { timeZone: string; days: number[]; start: string; end: string };
    alertWebhookUrl?: string;
  };
}

const envSchema = {
  type: 'object',
  properties: {
    PORT: { type: 'integer', minimum: 0, maximum: 65535, default: 8080 },
    HOST: { type: 'string', minLength: 1, default: '127.0.0.1' },
    DATA_DIR: { type: 'string', minLength: 1, default: '.data' },
    MONGODB_URI: { type: 'string', pattern: '^mongodb(\\+srv)?://' },
    MONGODB_DB: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,63}$', default: 'ward' },
    FHIR_MASTER_KEY: { type: 'string', pattern: '^[A-Za-z0-9+/]{43}=$' },
    LOG_LEVEL: {
      enum: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
      default: 'info',
    },
    MAX_BODY_BYTES: { type: 'integer', minimum: 1024, maximum: 104857600, default: 5242880 },
    TLS_CERT: { type: 'string', minLength: 1 },
    TLS_KEY: { type: 'string', minLength: 1 },
    TLS_SELF_SIGNED: { type: 'boolean', default: false },
    BEHIND_TLS_PROXY: { type: 'boolean', default: false },
    BASE_URL: { type: 'string', pattern: '^https?://[^\\s?#]+$' },
    HISTORY_DEFAULT_COUNT: { type: 'integer', minimum: 1, maximum: 1000, default: 50 },
    HISTORY_MAX_COUNT: { type: 'integer', minimum: 1, maximum: 1000, default: 500 },
    SEARCH_DEFAULT_COUNT: { type: 'integer', minimum: 1, maximum: 1000, default: 20 },
    SEARCH_MAX_COUNT: { type: 'integer', minimum: 1, maximum: 1000, default: 500 },
    EXTERNAL_IDPS: { type: 'string', minLength: 2 },
    EXTERNAL_IDPS_FILE: { type: 'string', minLength: 1 },
    ROLES_FILE: { type: 'string', minLength: 1 },
    SINGLE_SESSION: { type: 'boolean', default: false },
    AUDIT_SITE: { type: 'string', pattern: '^[A-Za-z0-9._-]{1,64}$', default: 'ward' },
    AUDIT_OBSERVER: { type: 'string', pattern: '^[A-Za-z0-9._-]{1,64}$' },
    AUDIT_BATCH_WINDOW_MS: { type: 'integer', minimum: 0, maximum: 1000, default: 5 },
    BREACH_FAILED_LOGINS: { type: 'integer', minimum: 1, maximum: 100000, default: 5 },
    BREACH_RECORDS_PER_HOUR: { type: 'integer', minimum: 1, maximum: 10000000, default: 100 },
    BUSINESS_HOURS_TZ: { type: 'string', pattern: '^[A-Za-z_]+(/[A-Za-z0-9_+-]+)*$', default: 'UTC' },
    BUSINESS_DAYS: { type: 'string', pattern: '^[0-6](,[0-6])*$', default: '1,2,3,4,5' },
    BUSINESS_HOURS_START: { type: 'string', pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$', default: '07:00' },
    BUSINESS_HOURS_END: { type: 'string', pattern: '^([01][0-9]|2[0-4]):[0-5][0-9]$', default: '19:00' },
    ALERT_WEBHOOK_URL: { type: 'string', pattern: '^https?://[^\\s]+$' },
  },
  dependencies: { TLS_CERT: ['TLS_KEY'], TLS_KEY: ['TLS_CERT'] },
} as const;

const ajv = new Ajv({ useDefaults: true, coerceTypes: true, allErrors: true });
const validateEnv = ajv.compile(envSchema);

/**
 * Reads the environment into a frozen Config. On failure the error names the offending
 * variables, never their values: a value may be a key.
 */
export function loadConfig(env: NodeJS.ProcessEnv): Readonly<Config> {
  const input: Record<string, unknown> = {};
  for (const name of Object.keys(envSchema.properties)) {
    const value = env[name];
    if (value !== undefined && value !== '') input[name] = value;
  }
  if (!validateEnv(input)) {
    const names = new Set(
      (validateEnv.errors ?? []).map((e) =>
        e.instancePath ? e.instancePath.slice(1) : String(e.params.missingProperty ?? e.params.property ?? '?'),
      ),
    );
    throw new Error(`invalid configuration: ${[...names].join(', ')}`);
  }
  return Object.freeze(toConfig(input));
}

function toConfig(input: Record<string, unknown>): Config {
  const str = (name: string) => input[name] as string | undefined;
  const num = (name: string) => input[name] as number;
  const masterKey = str('FHIR_MASTER_KEY');
  return {
    port: num('PORT'),
    host: str('HOST')!,
    dataDir: str('DATA_DIR')!,
    mongodbUri: str('MONGODB_URI'),
    mongodbDbName: str('MONGODB_DB')!,
    masterKey: masterKey ? Buffer.from(masterKey, 'base64') : undefined,
    logLevel: input.LOG_LEVEL as Config['logLevel'],
    maxBodyBytes: num('MAX_BODY_BYTES'),
    tlsCertFile: str('TLS_CERT'),
    tlsKeyFile: str('TLS_KEY'),
    tlsSelfSigned: input.TLS_SELF_SIGNED as boolean,
    behindTlsProxy: input.BEHIND_TLS_PROXY as boolean,
    baseUrl: str('BASE_URL')?.replace(/\/+$/, ''),
    historyDefaultCount: num('HISTORY_DEFAULT_COUNT'),
    historyMaxCount: num('HISTORY_MAX_COUNT'),
    searchDefaultCount: num('SEARCH_DEFAULT_COUNT'),
    searchMaxCount: num('SEARCH_MAX_COUNT'),
    externalIdps: str('EXTERNAL_IDPS'),
    externalIdpsFile: str('EXTERNAL_IDPS_FILE'),
    rolesFile: str('ROLES_FILE'),
    singleSession: input.SINGLE_SESSION as boolean,
    audit: {
      site: str('AUDIT_SITE')!,
      observer: str('AUDIT_OBSERVER') ?? hostname().replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 64),
      batchWindowMs: num('AUDIT_BATCH_WINDOW_MS'),
      failedLoginsPerHour: num('BREACH_FAILED_LOGINS'),
      recordsPerHour: num('BREACH_RECORDS_PER_HOUR'),
      businessHours: {
        timeZone: str('BUSINESS_HOURS_TZ')!,
        days: str('BUSINESS_DAYS')!.split(',').map(Number),
        start: str('BUSINESS_HOURS_START')!,
        end: str('BUSINESS_HOURS_END')!,
      },
      alertWebhookUrl: str('ALERT_WEBHOOK_URL'),
    },
  };
}
