import type { Document, MongoClient } from 'mongodb';

/** What the connected server can do, found out once at start-up. */
export interface DatabaseCapabilities {
  /** Multi-document transactions work (a replica set or sharded cluster that commits one). */
  transactions: boolean;
  /** 'mongodb' or 'ferretdb'. */
  engine: string;
  /** The server's own version: FerretDB's release rather than the MongoDB version it mimics. */
  version: string;
}

const probeCollection = 'ward_capability_probe';

/**
 * Asks the server what it is and tries one tiny transaction on a scratch collection in the
 * client's default database. FerretDB 1.x reports session support in `hello` yet rejects
 * transactions, so the attempt, not the `hello` reply, decides.
 */
export async function detectCapabilities(client: MongoClient): Promise<DatabaseCapabilities> {
  const admin = client.db('admin');
  const hello = await admin.command({ hello: 1 });
  const buildInfo = await admin.command({ buildInfo: 1 });

  const isFerretdb = typeof buildInfo.ferretdbVersion === 'string';
  return {
    transactions: mayRunTransactions(hello) && (await canCommitTransaction(client)),
    engine: isFerretdb ? 'ferretdb' : 'mongodb',
    version: String(isFerretdb ? buildInfo.ferretdbVersion : buildInfo.version),
  };
}

/**
 * Transactions need sessions and a replica set member or mongos:
 * https://www.mongodb.com/docs/manual/core/transactions-production-consideration/
 */
function mayRunTransactions(hello: Document): boolean {
  const hasSessions = typeof hello.logicalSessionTimeoutMinutes === 'number';
  const isReplicaSetOrMongos = typeof hello.setName === 'string' || hello.msg === 'isdbgrid';
  return hasSessions && isReplicaSetOrMongos;
}

async function canCommitTransaction(client: MongoClient): Promise<boolean> {
  const collection = client.db().collection(probeCollection);
  const session = client.startSession();
  try {
    // Servers before 4.4 cannot create a collection inside a transaction.
    await collection.insertOne({ probe: 'create' });
    await session.withTransaction(async () => {
      await collection.insertOne({ probe: 'transaction' }, { session });
    });
    return (await collection.countDocuments({ probe: 'transaction' })) === 1;
  } catch {
    return false;
  } finally {
    await session.endSession();
    await collection.drop().catch(() => false);
  }
}
