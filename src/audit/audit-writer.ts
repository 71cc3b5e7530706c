import { randomBytes } from 'node:crypto';
import { MongoServerError } from 'mongodb';
import type { Collection, Db, WriteConcernSettings } from 'mongodb';
import type { AuditEvent } from 'fhir/r4';
import { FhirError } from '../fhir/fhir-error.ts';
import { bodyAad, collectionNames } from '../store/documents.ts';
import type { BodyCipher, ResourceIndexer } from '../store/resource-store.ts';
import {
  auditCollectionNames,
  auditDocumentKey,
  auditEventId,
  genesisHash,
  toHistoryEntry,
  type AuditDocument,
  type AuditHistoryDocument,
  type CheckpointDocument,
} from './audit-documents.ts';
import type { AuditKeys } from './audit-keys.ts';
import type { AuditLogger } from './audit-logger.ts';
import { computeChainHash } from './chain-hash.ts';
import { signCheckpoint } from './checkpoint-signature.ts';

export interface AuditWriterOptions {
  db: Db;
  cipher: BodyCipher;
  /** The same indexer ResourceStore uses, so AuditEvent search finds the events. */
  indexer: ResourceIndexer;
  keys: AuditKeys;
  log: AuditLogger;
  now?: () => Date;
  /** How long the first event of a batch waits for company. Default 5 ms. */
  batchWindowMs?: number;
  /** A batch is written at once when this many events wait. Default 100. */
  maxBatch?: number;
  /** Write a signed checkpoint after this many events... Default 1000. */
  checkpointEvery?: number;
  /** ...or this often when events arrived since the last one. Default 60 s. */
  checkpointIntervalMs?: number;
  /** Durability of every audit write. Default majority, journaled. */
  writeConcern?: WriteConcernSettings;
}

interface Waiter {
  event: AuditEvent;
  resolve: (id: string) => void;
  reject: (error: unknown) => void;
}

interface ChainHead {
  writer: string;
  seq: number;
  hash: string;
}

/**
 * Durable, batched, hash-chained writing of AuditEvents (DESIGN.md "Audit pipeline").
 *
 * `record` resolves only once its event is stored with the configured write concern. Events that
 * arrive within `batchWindowMs` of each other, or while a batch is being written, go to the
 * database together in one `insertMany` (group commit). A failed write rejects every event of
 * its batch; callers answer 503 and acknowledge nothing (fail closed).
 *
 * Each instance keeps its own chain under a random writer id, so processes never contend for a
 * position. An event's id is `<writer>-<seq>`: inserting it under that unique `_id` is the
 * atomic claim of the position. After a failed batch the writer starts a fresh chain under a new
 * id rather than guess which of the batch's documents reached the database.
 *
 * Nothing here updates or deletes a stored audit document, and no TTL index covers one: the
 * trail is kept for good, which meets HIPAA's six-year minimum (§164.316(b)(2)). A purge of
 * events older than a configured retention is an operator task that does not exist yet.
 */
export class AuditWriter {
  readonly #resources: Collection<AuditDocument>;
  readonly #history: Collection<AuditHistoryDocument>;
  readonly #checkpoints: Collection<CheckpointDocument>;
  readonly #options: Required<Omit<AuditWriterOptions, 'db'>>;
  readonly #timer: NodeJS.Timeout;
  #pending: Waiter[] = [];
  #windowTimer: NodeJS.Timeout | undefined;
  #draining: Promise<void> | undefined;
  #head: ChainHead = startChain();
  #checkpointed: { writer: string; seq: number } = { writer: '', seq: 0 };
  #closed = false;

  constructor(options: AuditWriterOptions) {
    const { db } = options;
    this.#resources = db.collection<AuditDocument>(collectionNames.resources);
    this.#history = db.collection<AuditHistoryDocument>(collectionNames.history);
    this.#checkpoints = db.collection<CheckpointDocument>(auditCollectionNames.checkpoints);
    this.#options = {
      now: () => new Date(),
      batchWindowMs: 5,
      maxBatch: 100,
      checkpointEvery: 1000,
      checkpointIntervalMs: 60_000,
      writeConcern: { w: 'majority', journal: true },
      ...options,
    };
    this.#timer = setInterval(
      () => void this.#checkpointLogged(),
      this.#options.checkpointIntervalMs,
    );
    this.#timer.unref();
  }

  /** The id of the chain this instance currently extends. */
  get writerId(): string {
    return this.#head.writer;
  }

  /**
   * Stores one AuditEvent (encrypted, indexed, chained) and resolves with its id once durable.
   * @throws FhirError `unavailable` when the write failed or the writer is closed.
   */
  record(event: AuditEvent): Promise<string> {
    if (this.#closed) return Promise.reject(unavailable());
    return new Promise<string>((resolve, reject) => {
      this.#pending.push({ event, resolve, reject });
      if (this.#draining) return;
      if (this.#pending.length >= this.#options.maxBatch) this.#startDrain();
      else this.#windowTimer ??= setTimeout(() => this.#startDrain(), this.#options.batchWindowMs);
    });
  }

  /**
   * Writes a signed checkpoint of this writer's chain as it stands (nothing when no event was
   * stored since the last one). Called on a timer, every `checkpointEvery` events and by close.
   */
  async checkpoint(): Promise<void> {
    const { writer, seq, hash } = this.#head;
    if (seq === 0 || (this.#checkpointed.writer === writer && this.#checkpointed.seq >= seq)) {
      return;
    }
    const at = this.#options.now();
    const signature = await signCheckpoint(
      { writer, seq, hash, at },
      this.#options.keys.signingKey,
    );
    const doc = { _id: `${writer}/${seq}`, writer, seq, hash, at, signature };
    try {
      await this.#checkpoints.insertOne(doc, { writeConcern: this.#options.writeConcern });
    } catch (error) {
      if (!(error instanceof MongoServerError && error.code === 11000)) throw error;
    }
    this.#checkpointed = { writer, seq };
  }

  /** Writes what is pending, then a final checkpoint; later `record` calls are refused. */
  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#timer);
    if (this.#pending.length && !this.#draining) this.#startDrain();
    while (this.#draining) await this.#draining;
    await this.#checkpointLogged();
  }

  #startDrain(): void {
    clearTimeout(this.#windowTimer);
    this.#windowTimer = undefined;
    if (this.#draining) return;
    this.#draining = this.#drain().finally(() => {
      this.#draining = undefined;
      // Events that arrived between the last loop check and here would otherwise wait forever.
      if (this.#pending.length) this.#startDrain();
    });
  }

  async #drain(): Promise<void> {
    while (this.#pending.length) {
      const batch = this.#pending.splice(0, this.#options.maxBatch);
      await this.#commit(batch);
      const { writer, seq } = this.#head;
      const since = this.#checkpointed.writer === writer ? this.#checkpointed.seq : 0;
      if (seq - since >= this.#options.checkpointEvery) await this.#checkpointLogged();
    }
  }

  async #commit(batch: Waiter[]): Promise<void> {
    let docs: AuditDocument[];
    try {
      docs = this.#seal(batch.map((waiter) => waiter.event));
      const options = { ordered: true, writeConcern: this.#options.writeConcern };
      // One after the other: history entries of events that never reached `resources` would
      // look like forgeries to the verifier. The reverse failure shows as a missing entry.
      await this.#resources.insertMany(docs, options);
      await this.#history.insertMany(docs.map(toHistoryEntry), options);
    } catch (error) {
      this.#head = startChain();
      this.#options.log.error(
        { err: error, events: batch.length },
        'audit write failed; the requests are refused',
      );
      for (const waiter of batch) waiter.reject(unavailable(error));
      return;
    }
    const last = docs.at(-1)!.chain;
    this.#head = { writer: last.writer, seq: last.seq, hash: last.hash };
    batch.forEach((waiter, i) => waiter.resolve(docs[i]!.id));
  }

  /** Encrypts, indexes and chains the events from the acknowledged head. */
  #seal(events: AuditEvent[]): AuditDocument[] {
    const { cipher, indexer, keys } = this.#options;
    let { seq, hash: prevHash } = this.#head;
    const { writer } = this.#head;
    return events.map((event) => {
      seq += 1;
      const id = auditEventId(writer, seq);
      const lastUpdated = this.#options.now();
      const meta = { ...event.meta, versionId: '1', lastUpdated: lastUpdated.toISOString() };
      const resource: AuditEvent = { ...event, id, meta };
      const { search, compartments, sort } = indexer(resource);
      const plaintext = Buffer.from(JSON.stringify(resource), 'utf8');
      const doc: AuditDocument = {
        _id: auditDocumentKey(id),
        type: 'AuditEvent',
        id,
        versionId: 1,
        lastUpdated,
        deleted: false,
        compartments,
        search,
        ...(sort ? { sort } : {}),
        body: cipher.encrypt(plaintext, bodyAad('AuditEvent', id, 1)),
        chain: { writer, seq, prevHash, hash: '' },
      };
      doc.chain.hash = computeChainHash(keys.chainKey, doc as unknown as Record<string, unknown>);
      prevHash = doc.chain.hash;
      return doc;
    });
  }

  async #checkpointLogged(): Promise<void> {
    try {
      await this.checkpoint();
    } catch (error) {
      // The events are stored; only the seal is late. The next checkpoint covers them.
      this.#options.log.error({ err: error }, 'audit checkpoint could not be written');
    }
  }
}

function startChain(): ChainHead {
  // Hex only: the writer id is part of FHIR ids, which allow [A-Za-z0-9-.].
  return { writer: randomBytes(8).toString('hex'), seq: 0, hash: genesisHash };
}

function unavailable(cause?: unknown): FhirError {
  return new FhirError('unavailable', 'the audit record could not be stored', { cause });
}
