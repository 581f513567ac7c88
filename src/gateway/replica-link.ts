// What the gateway keeps per replica process: its keep-alive connections and its counters.
import { Pool } from 'undici';
import { envelopeTail } from './replica-answer.ts';
import { replicaAddress } from './replica-origin.ts';
import type { ReplicaCounters, ReplicaHandle } from './types.ts';

export type ReplicaLink = {
  readonly model: string;
  readonly deploymentId: number;
  readonly replicaId: string;
  readonly dispatcher: Pool;
  /** `,"ReplicaID":"<id>"}`: the end of every success envelope from this replica. */
  readonly tail: Buffer;
  /** Shared by every link of the same replica id, so counters survive process restarts. */
  readonly counters: ReplicaCounters;
};

/** Fresh counters, all zero. */
export function zeroCounters(restarts = 0): ReplicaCounters {
  return { received: 0, processed: 0, success: 0, failure: 0, error: 0, busy: 0, notReady: 0, restarts };
}

/**
 * Opens connections to a replica process. One undici Pool per origin: the gateway itself keeps
 * at most `concurrency` calls on a replica, so the pool never opens more connections than that;
 * pipelining 1 because a replica answers one connection's requests in order and a slow call must
 * not hold up another behind it. Idle connections stay open a long time: the runtime keeps them,
 * and a reconnect costs more than the call. A local replica is reached over its Unix domain
 * socket (`unix:` origin), a pod over TCP: the same undici Pool either way.
 */
export function openReplicaLink(
  model: string,
  deploymentId: number,
  handle: ReplicaHandle,
  counters: ReplicaCounters,
): ReplicaLink {
  const address = replicaAddress(handle.origin);
  // undici needs an origin for the Host header even over a socket; the runtime ignores it.
  const dispatcher = new Pool('socketPath' in address ? 'http://replica' : address.url, {
    ...('socketPath' in address ? { socketPath: address.socketPath } : {}),
    pipelining: 1,
    keepAliveTimeout: 60_000,
    keepAliveMaxTimeout: 600_000,
    connect: { timeout: 5_000 },
  });
  return { model, deploymentId, replicaId: handle.id, dispatcher, tail: envelopeTail(handle.id), counters };
}

/** Closes a link gracefully: calls already sent on it still get their answers. */
export function closeReplicaLink(link: ReplicaLink): void {
  link.dispatcher.close().catch(() => {});
}
