import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

import { MongoClient } from 'mongodb';

const pollIntervalMs = 100;

export type PingOutcome = 'ready' | 'exited' | 'timeout';

/**
 * Polls a freshly started server until it answers the `ping` command. A cheap TCP probe comes
 * first, because a driver connection to a closed port waits for server selection to time out.
 */
export async function waitForPing(options: {
  uri: string;
  host: string;
  port: number;
  timeoutMs: number;
  /** True once the server process is gone: waiting longer is pointless. */
  hasGivenUp: () => boolean;
}): Promise<PingOutcome> {
  const deadline = Date.now() + options.timeoutMs;
  while (Date.now() < deadline) {
    if (options.hasGivenUp()) return 'exited';
    if ((await isListening(options.host, options.port)) && (await answersPing(options.uri))) {
      // Had our server failed to bind, whoever holds the port may have answered instead.
      return options.hasGivenUp() ? 'exited' : 'ready';
    }
    await sleep(pollIntervalMs);
  }
  return options.hasGivenUp() ? 'exited' : 'timeout';
}

function isListening(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.setTimeout(1000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
  });
}

async function answersPing(uri: string): Promise<boolean> {
  const client = new MongoClient(uri, {
    serverSelectionTimeoutMS: 2000,
    connectTimeoutMS: 2000,
    directConnection: true,
  });
  try {
    const reply = await client.db('admin').command({ ping: 1 });
    return reply.ok === 1;
  } catch {
    return false;
  } finally {
    await client.close();
  }
}
