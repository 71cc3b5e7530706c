import { randomUUID } from 'node:crypto';
import { MongoServerError, type Collection, type Db } from 'mongodb';
import type { BlindIndexFn } from '../search/index-entry.ts';
import { auditCollectionNames } from './audit-documents.ts';
import {
  breachRules,
  type BreachFinding,
  type BreachRule,
  type Severity,
} from './breach-finding.ts';
import {
  defaultBreachOptions,
  isOutsideBusinessHours,
  type BreachOptions,
} from './breach-options.ts';

/** What the rules see of one audited event: our user id, the caller's address, counts. */
export type BreachObservation =
  | { kind: 'access'; userId: string; address: string; at: Date; records: number }
  | { kind: 'failed-login'; userId: string; address: string; at: Date }
  | { kind: 'privilege-change'; userId: string; at: Date };

interface SignalDocument {
  _id: string;
  user: string;
  kind: 'failed-login' | 'records';
  at: Date;
  n: number;
}

/** A raised finding; `_id` is the finding id, so each is raised once across all processes. */
export interface FindingDocument {
  _id: string;
  rule: BreachRule;
  severity: Severity;
  user: string;
  at: Date;
  description: string;
  count?: number;
  threshold?: number;
}

interface AddressDocument {
  _id: string;
  user: string;
  at: Date;
}

const severityOf: Record<BreachRule, Severity> = {
  [breachRules.failedLogins]: 'medium',
  [breachRules.bulkAccess]: 'high',
  [breachRules.offHours]: 'low',
  [breachRules.newAddress]: 'low',
  [breachRules.privilegeChange]: 'medium',
};

/**
 * The breach rules of HIPAA.md over the audit stream. All state is in the database and only
 * ever inserted (one signal per event, counted over the window; no read-modify-write), so the
 * rules hold when many processes serve one user. A counting rule raises its finding once per
 * user and window: the finding is inserted under an id naming rule, user and window, and only
 * the process whose insert succeeds reports it.
 *
 * A count also takes in signals stamped up to `skewMs` after the observation: of several
 * observations checked at once, the one counting last must see all of them even when it carries
 * the earliest timestamp, or other processes' clocks run slightly ahead.
 *
 * Addresses are kept as keyed blind indexes, never in clear: an IP address is an identifier.
 */
export class BreachDetector {
  readonly #signals: Collection<SignalDocument>;
  readonly #findings: Collection<FindingDocument>;
  readonly #addresses: Collection<AddressDocument>;
  readonly #options: BreachOptions;
  #lastPruneMs = Number.NEGATIVE_INFINITY;

  constructor(
    db: Db,
    private readonly blind: BlindIndexFn,
    options: Partial<BreachOptions> = {},
  ) {
    this.#signals = db.collection(auditCollectionNames.signals);
    this.#findings = db.collection(auditCollectionNames.findings);
    this.#addresses = db.collection(auditCollectionNames.addresses);
    this.#options = { ...defaultBreachOptions, ...options };
  }

  async createIndexes(): Promise<void> {
    await this.#signals.createIndex({ user: 1, kind: 1, at: 1 });
    await this.#signals.createIndex({ at: 1 }); // the once-a-minute prune
    await this.#findings.createIndex({ user: 1, at: -1 });
    await this.#addresses.createIndex({ user: 1 });
  }

  /** Applies every rule to one observation; answers the findings this call raised. */
  async observe(observation: BreachObservation): Promise<BreachFinding[]> {
    const raised: Array<BreachFinding | undefined> = [];
    switch (observation.kind) {
      case 'failed-login':
        raised.push(await this.#countFailedLogins(observation));
        raised.push(await this.#checkAddress(observation));
        break;
      case 'access':
        raised.push(await this.#countRecords(observation));
        raised.push(await this.#checkHours(observation));
        raised.push(await this.#checkAddress(observation));
        break;
      case 'privilege-change':
        if (this.#options.privilegeChange) {
          const id = `${breachRules.privilegeChange}/${observation.userId}/${randomUUID()}`;
          const description = 'user roles or permissions changed';
          raised.push(await this.#raise(id, breachRules.privilegeChange, observation, description));
        }
        break;
    }
    return raised.filter((f): f is BreachFinding => f !== undefined);
  }

  async #countFailedLogins(o: BreachObservation & { kind: 'failed-login' }) {
    const { threshold, windowMs } = this.#options.failedLogins;
    await this.#addSignal(o.userId, 'failed-login', o.at, 1);
    const count = await this.#signals.countDocuments({
      user: o.userId,
      kind: 'failed-login',
      at: windowEndingAt(o.at, windowMs),
    });
    if (count <= threshold) return undefined;
    const id = `${breachRules.failedLogins}/${o.userId}/${bucketOf(o.at, windowMs)}`;
    const description = `${count} failed logins within ${minutes(windowMs)} (threshold ${threshold})`;
    return this.#raise(id, breachRules.failedLogins, o, description, { count, threshold });
  }

  async #addSignal(user: string, kind: SignalDocument['kind'], at: Date, n: number) {
    await this.#signals.insertOne({ _id: randomUUID(), user, kind, at, n });
    await this.#pruneSignals(at);
  }

  /**
   * Drops signals no window can count any more, at most once a minute per process: they would
   * otherwise pile up one per request, and engines without indexes (FerretDB) scan them all.
   */
  async #pruneSignals(at: Date) {
    if (at.getTime() - this.#lastPruneMs < pruneEveryMs) return;
    this.#lastPruneMs = at.getTime();
    const { failedLogins, recordsAccessed } = this.#options;
    const longestMs = Math.max(failedLogins.windowMs, recordsAccessed.windowMs) + 2 * skewMs;
    await this.#signals.deleteMany({ at: { $lt: new Date(at.getTime() - longestMs) } });
  }

  async #countRecords(o: BreachObservation & { kind: 'access' }) {
    const { threshold, windowMs } = this.#options.recordsAccessed;
    if (o.records <= 0) return undefined;
    await this.#addSignal(o.userId, 'records', o.at, o.records);
    const [sum] = await this.#signals
      .aggregate<{ n: number }>([
        {
          $match: {
            user: o.userId,
            kind: 'records',
            at: windowEndingAt(o.at, windowMs),
          },
        },
        { $group: { _id: null, n: { $sum: '$n' } } },
      ])
      .toArray();
    const count = sum?.n ?? 0;
    if (count <= threshold) return undefined;
    const id = `${breachRules.bulkAccess}/${o.userId}/${bucketOf(o.at, windowMs)}`;
    const description = `${count} records returned or exported within ${minutes(windowMs)} (threshold ${threshold})`;
    return this.#raise(id, breachRules.bulkAccess, o, description, { count, threshold });
  }

  async #checkHours(o: BreachObservation & { kind: 'access' }) {
    const hours = this.#options.businessHours;
    if (!hours || !isOutsideBusinessHours(o.at, hours)) return undefined;
    // One finding per user and clock hour, not one per request.
    const id = `${breachRules.offHours}/${o.userId}/${bucketOf(o.at, 60 * 60 * 1000)}`;
    const description = `access outside business hours (${hours.start}-${hours.end} ${hours.timeZone})`;
    return this.#raise(id, breachRules.offHours, o, description);
  }

  async #checkAddress(o: BreachObservation & { address: string }) {
    if (!this.#options.newAddress) return undefined;
    const addressKey = this.blind('audit-address', o.address);
    try {
      await this.#addresses.insertOne({
        _id: `${o.userId}/${addressKey}`,
        user: o.userId,
        at: o.at,
      });
    } catch (error) {
      if (error instanceof MongoServerError && error.code === 11000) return undefined;
      throw error;
    }
    // The first address a user is ever seen from sets the baseline; it is not news.
    if ((await this.#addresses.countDocuments({ user: o.userId })) < 2) return undefined;
    const id = `${breachRules.newAddress}/${o.userId}/${addressKey.slice(0, 16)}`;
    const description = 'access from a network address not seen before for this user';
    return this.#raise(id, breachRules.newAddress, o, description);
  }

  async #raise(
    id: string,
    rule: BreachRule,
    o: BreachObservation,
    description: string,
    counts: { count?: number; threshold?: number } = {},
  ): Promise<BreachFinding | undefined> {
    const severity = severityOf[rule];
    try {
      await this.#findings.insertOne({
        _id: id,
        rule,
        severity,
        user: o.userId,
        at: o.at,
        description,
        ...counts,
      });
    } catch (error) {
      if (error instanceof MongoServerError && error.code === 11000) return undefined;
      throw error;
    }
    return { id, rule, severity, userId: o.userId, description, detectedAt: o.at, ...counts };
  }
}

/** Tolerance for clocks of other processes and for observations checked out of order. */
const skewMs = 60_000;
const pruneEveryMs = 60_000;

function windowEndingAt(at: Date, windowMs: number) {
  return { $gt: new Date(at.getTime() - windowMs), $lte: new Date(at.getTime() + skewMs) };
}

function bucketOf(at: Date, windowMs: number): number {
  return Math.floor(at.getTime() / windowMs);
}

function minutes(ms: number): string {
  return `${Math.round(ms / 60000)} minutes`;
}
