import { randomUUID } from 'node:crypto';
import { MongoServerError } from 'mongodb';
import type { Collection, Db, Filter, IndexDescription } from 'mongodb';
import type { Resource } from 'fhir/r4';
import { FhirError } from '../fhir/fhir-error.ts';
import type { IndexEntry } from '../search/index-entry.ts';
import type { SortKeys } from '../search/sort-keys.ts';
import { bodyAad, collectionNames, documentKey, historyKey } from './documents.ts';
import type { EncryptedBlob } from '../crypto/encrypted-blob.ts';
import type { CurrentDocument, HistoryDocument } from './documents.ts';

/** Seals and opens resource bodies; the key ring implements it. */
export interface BodyCipher {
  encrypt(plaintext: Buffer, aad: string): EncryptedBlob;
  decrypt(blob: EncryptedBlob, aad: string): Promise<Buffer>;
}

/** Computes what a version is found by: its search index and its patient compartments. */
export type ResourceIndexer = (resource: Resource) => {
  search: IndexEntry[];
  compartments: string[];
  sort?: SortKeys;
};

/** One version of a resource as the REST layer sees it. */
export interface StoredVersion {
  type: string;
  id: string;
  versionId: number;
  lastUpdated: Date;
  deleted: boolean;
  /** The resource with the server's `meta.versionId` and `meta.lastUpdated`; absent when deleted. */
  resource?: Resource;
  method?: HistoryDocument['method'];
}

export interface WriteResult {
  version: StoredVersion;
  /** True when the write created the resource (201), false when it updated it (200). */
  created: boolean;
}

export interface HistoryQuery {
  /** Types to list (type level: one; system level: those the caller may see). */
  types?: string[];
  id?: string;
  since?: Date;
  /** `Patient/<id>`: only versions in this compartment. */
  compartment?: string;
  count: number;
  /** Keyset position: return versions strictly older than this one in history order. */
  after?: { lastUpdated: Date; key: string };
}

export interface HistoryPage {
  versions: StoredVersion[];
  /** Position of the last version of the page, when more may follow. */
  next?: { lastUpdated: Date; key: string };
  total: number;
}

const maxCasAttempts = 5;

/**
 * Versioned, encrypted storage of FHIR resources.
 *
 * No multi-document transactions (FerretDB has none) and no reliance on an atomic
 * conditional update (FerretDB's is not atomic under concurrency). The one atomic step is an
 * insert under a unique `_id`: a writer claims version n+1 by inserting its history entry
 * `<type>/<id>/<n+1>`; only one claim can succeed. It then moves the current document from n to
 * n+1. Any writer that finds a claim whose current document still says n completes it from the
 * claimed entry (same content, so it does not matter who writes it), which also repairs a
 * process that died between the two steps.
 */
export class ResourceStore {
  private readonly resources: Collection<CurrentDocument>;
  private readonly history: Collection<HistoryDocument>;

  constructor(
    db: Db,
    private readonly cipher: BodyCipher,
    private readonly indexer: ResourceIndexer,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.resources = db.collection<CurrentDocument>(collectionNames.resources);
    this.history = db.collection<HistoryDocument>(collectionNames.history);
  }

  /** Creates the indexes the store's own queries and searches need; idempotent. */
  async createIndexes(searchIndexes: IndexDescription[] = []): Promise<void> {
    if (searchIndexes.length > 0) await this.resources.createIndexes(searchIndexes);
    await this.resources.createIndex({ type: 1, lastUpdated: -1 });
    await this.resources.createIndex({ compartments: 1 });
    await this.history.createIndex({ lastUpdated: -1, _id: -1 });
    await this.history.createIndex({ type: 1, lastUpdated: -1, _id: -1 });
    await this.history.createIndex({ type: 1, id: 1, versionId: -1 });
    await this.history.createIndex({ compartments: 1, lastUpdated: -1 });
  }

  async read(type: string, id: string): Promise<StoredVersion> {
    const doc = await this.resources.findOne({ _id: documentKey(type, id) });
    if (!doc) throw new FhirError('notFound', `${type} resource not found`);
    if (doc.deleted) throw new FhirError('gone', `${type} resource was deleted`);
    return this.open(doc);
  }

  /** Whether a current, not deleted version exists; reads no body. */
  async exists(type: string, id: string): Promise<boolean> {
    const doc = await this.resources.findOne(
      { _id: documentKey(type, id), deleted: false },
      { projection: { _id: 1 } },
    );
    return doc !== null;
  }

  async vread(type: string, id: string, versionId: number): Promise<StoredVersion> {
    const doc =
      (await this.history.findOne({ _id: historyKey(type, id, versionId) })) ??
      (await this.resources.findOne({ _id: documentKey(type, id), versionId }));
    if (!doc) throw new FhirError('notFound', `${type} version not found`);
    if (doc.deleted) throw new FhirError('gone', `${type} version is a deletion`);
    return this.open(doc);
  }

  /** Creates a resource under a new server-assigned id. */
  async create(resource: Resource): Promise<WriteResult> {
    const id = randomUUID();
    const doc = this.seal(resource, id, 1);
    await this.claimVersion(null, doc, 'POST');
    return { version: this.toVersion(doc, resource), created: true };
  }

  /**
   * Updates a resource, or creates it under the client's id when it does not exist yet
   * (update-as-create, http://hl7.org/fhir/R4/http.html#upsert).
   * `ifMatch` makes the write conditional on the current version (optimistic locking).
   */
  async update(resource: Resource & { id: string }, ifMatch?: number): Promise<WriteResult> {
    const { resourceType: type, id } = resource;
    for (let attempt = 0; attempt < maxCasAttempts; attempt++) {
      const current = await this.resources.findOne({ _id: documentKey(type, id) });
      checkPrecondition(current, ifMatch);

      const doc = this.seal(resource, id, (current?.versionId ?? 0) + 1);
      if (!(await this.claimVersion(current, doc, 'PUT'))) {
        if (ifMatch !== undefined) throw contention(ifMatch);
        continue;
      }
      return { version: this.toVersion(doc, resource), created: !current || current.deleted };
    }
    throw contention(ifMatch);
  }

  /** Logically deletes a resource: later reads answer 410, history keeps a deletion entry. */
  async delete(type: string, id: string, ifMatch?: number): Promise<StoredVersion | undefined> {
    for (let attempt = 0; attempt < maxCasAttempts; attempt++) {
      const current = await this.resources.findOne({ _id: documentKey(type, id) });
      if (!current) throw new FhirError('notFound', `${type} resource not found`);
      checkPrecondition(current, ifMatch);
      if (current.deleted) return undefined;

      const doc: CurrentDocument = {
        _id: current._id,
        type,
        id,
        versionId: current.versionId + 1,
        lastUpdated: this.now(),
        deleted: true,
        compartments: current.compartments,
        search: [],
      };
      if (!(await this.claimVersion(current, doc, 'DELETE'))) {
        if (ifMatch !== undefined) throw contention(ifMatch);
        continue;
      }
      return this.toVersion(doc);
    }
    throw contention(ifMatch);
  }

  /** History at instance (type and id), type (type) or system (neither) level, newest first. */
  async readHistory(query: HistoryQuery): Promise<HistoryPage> {
    const scope: Filter<HistoryDocument> = {};
    if (query.types) scope.type = query.types.length === 1 ? query.types[0] : { $in: query.types };
    if (query.id) scope.id = query.id;
    if (query.compartment) scope.compartments = query.compartment;
    if (query.since) scope.lastUpdated = { $gte: query.since };

    const filter: Filter<HistoryDocument> = { ...scope };
    if (query.after) {
      const { lastUpdated, key } = query.after;
      filter.$or = [
        { lastUpdated: { ...(query.since ? { $gte: query.since } : {}), $lt: lastUpdated } },
        { lastUpdated, _id: { $lt: key } },
      ];
    }
    const [docs, total] = await Promise.all([
      this.history
        .find(filter)
        .sort({ lastUpdated: -1, _id: -1 })
        .limit(query.count + 1)
        .toArray(),
      this.history.countDocuments(scope),
    ]);
    const page = docs.slice(0, query.count);
    const last = page.at(-1);
    return {
      versions: await Promise.all(
        page.map((doc) => (doc.deleted ? this.toVersion(doc) : this.open(doc))),
      ),
      next: docs.length > query.count && last ? { lastUpdated: last.lastUpdated, key: last._id } : undefined,
      total,
    };
  }

  private seal(resource: Resource, id: string, versionId: number): CurrentDocument {
    const lastUpdated = this.now();
    const type = resource.resourceType;
    stampMeta(resource, id, versionId, lastUpdated);
    const { search, compartments, sort } = this.indexer(resource);
    const plaintext = Buffer.from(JSON.stringify(resource), 'utf8');
    const body = this.cipher.encrypt(plaintext, bodyAad(type, id, versionId));
    return {
      _id: documentKey(type, id),
      type,
      id,
      versionId,
      lastUpdated,
      deleted: false,
      compartments,
      search,
      ...(sort ? { sort } : {}),
      body,
    };
  }

  /** Decrypts a stored document (current or history) into the version it holds. */
  async open(doc: CurrentDocument | HistoryDocument): Promise<StoredVersion> {
    if (!doc.body) throw new FhirError('internal', 'stored data failed its integrity check');
    const plaintext = await this.cipher.decrypt(doc.body, bodyAad(doc.type, doc.id, doc.versionId));
    const resource = parseStoredResource(plaintext, doc);
    return this.toVersion(doc, resource);
  }

  private toVersion(doc: CurrentDocument | HistoryDocument, resource?: Resource): StoredVersion {
    return {
      type: doc.type,
      id: doc.id,
      versionId: doc.versionId,
      lastUpdated: doc.lastUpdated,
      deleted: doc.deleted,
      resource,
      method: 'method' in doc ? doc.method : undefined,
    };
  }

  /**
   * Claims the next version by inserting its history entry, then makes it current. When another
   * writer holds the claim, completes that writer's version instead and answers false.
   */
  private async claimVersion(
    current: CurrentDocument | null,
    next: CurrentDocument,
    method: HistoryDocument['method'],
  ): Promise<boolean> {
    try {
      await this.history.insertOne(toHistoryEntry(next, method));
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      await this.completeClaim(next, current);
      return false;
    }
    await this.makeCurrent(current, next);
    return true;
  }

  /** Replaces version n by n+1, or inserts version 1; a helper may have done it already. */
  private async makeCurrent(current: CurrentDocument | null, next: CurrentDocument) {
    if (current) {
      await this.resources.replaceOne({ _id: current._id, versionId: current.versionId }, next);
      return;
    }
    try {
      await this.resources.insertOne(next);
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
    }
  }

  /** Makes current a claimed version whose writer may not have finished (or died). */
  private async completeClaim(attempted: CurrentDocument, current: CurrentDocument | null) {
    const claim = await this.history.findOne({
      _id: historyKey(attempted.type, attempted.id, attempted.versionId),
    });
    if (!claim) return;
    const next: CurrentDocument = {
      _id: attempted._id,
      type: claim.type,
      id: claim.id,
      versionId: claim.versionId,
      lastUpdated: claim.lastUpdated,
      deleted: claim.deleted,
      compartments: current?.compartments ?? [],
      search: [],
    };
    if (!claim.deleted) {
      const { resource } = await this.open(claim);
      Object.assign(next, this.indexer(resource!), { body: claim.body });
    }
    await this.makeCurrent(current, next);
  }

}

function toHistoryEntry(doc: CurrentDocument, method: HistoryDocument['method']): HistoryDocument {
  return {
    _id: historyKey(doc.type, doc.id, doc.versionId),
    type: doc.type,
    id: doc.id,
    versionId: doc.versionId,
    lastUpdated: doc.lastUpdated,
    deleted: doc.deleted,
    method: doc.deleted ? 'DELETE' : method,
    compartments: doc.compartments,
    ...(doc.body ? { body: doc.body } : {}),
  };
}

function checkPrecondition(current: CurrentDocument | null, ifMatch: number | undefined): void {
  if (ifMatch === undefined) return;
  if (!current || current.versionId !== ifMatch) {
    throw new FhirError('preconditionFailed', 'If-Match does not name the current version');
  }
}

function contention(ifMatch: number | undefined): FhirError {
  return ifMatch === undefined
    ? new FhirError('conflict', 'the resource changed concurrently; retry the request')
    : new FhirError('preconditionFailed', 'If-Match does not name the current version');
}

function stampMeta(resource: Resource, id: string, versionId: number, lastUpdated: Date): void {
  resource.id = id;
  resource.meta = {
    ...resource.meta,
    versionId: String(versionId),
    lastUpdated: lastUpdated.toISOString(),
  };
}

function parseStoredResource(plaintext: Buffer, doc: { type: string }): Resource {
  const resource = JSON.parse(plaintext.toString('utf8')) as Resource;
  if (resource.resourceType !== doc.type) {
    throw new FhirError('internal', 'stored data failed its integrity check');
  }
  return resource;
}

function isDuplicateKey(err: unknown): boolean {
  return err instanceof MongoServerError && err.code === 11000;
}
