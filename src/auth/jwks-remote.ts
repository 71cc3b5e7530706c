import { createRemoteJWKSet, type JWTVerifyGetKey } from 'jose';

/** Cached and rate-limited JWKS fetching, shared by client assertions and external issuers. */
export interface RemoteJwksOptions {
  /** Abort a fetch after this long; the verification then fails closed. */
  timeoutMs: number;
  /** An unknown `kid` triggers at most one re-fetch per this interval (jose's cooldown). */
  cooldownMs: number;
  /** Re-fetch a set at least this often so removed keys stop verifying. */
  maxAgeMs: number;
  /** How many distinct URLs to keep; the oldest is dropped beyond that. */
  maxEntries: number;
}

const defaults: RemoteJwksOptions = {
  timeoutMs: 5_000,
  cooldownMs: 30_000,
  maxAgeMs: 10 * 60_000,
  maxEntries: 200,
};

/**
 * One jose remote key set per URL, kept for reuse: jose caches the fetched keys, re-fetches on
 * an unknown `kid` once the cooldown has passed, and times out slow servers.
 */
export class RemoteJwksCache {
  readonly #sets = new Map<string, JWTVerifyGetKey>();
  readonly #options: RemoteJwksOptions;

  constructor(options: Partial<RemoteJwksOptions> = {}) {
    this.#options = { ...defaults, ...options };
  }

  /** The key resolver for `url`, created on first use. */
  keySetFor(url: string): JWTVerifyGetKey {
    const existing = this.#sets.get(url);
    if (existing) return existing;

    const created = createRemoteJWKSet(new URL(url), {
      timeoutDuration: this.#options.timeoutMs,
      cooldownDuration: this.#options.cooldownMs,
      cacheMaxAge: this.#options.maxAgeMs,
    });
    if (this.#sets.size >= this.#options.maxEntries) {
      const oldest = this.#sets.keys().next().value;
      if (oldest !== undefined) this.#sets.delete(oldest);
    }
    this.#sets.set(url, created);
    return created;
  }
}
