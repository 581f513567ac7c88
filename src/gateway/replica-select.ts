// Which replica takes the next call: pure, so it is tested with plain numbers.

/** What selection looks at: how many calls a replica is serving now. */
export type ReplicaLoad = { readonly inFlight: number };

/**
 * Index of the replica for the next call, or -1 when every replica already serves `concurrency`
 * calls (or there is none).
 *
 * Least in-flight wins, so a replica that is slow on one call does not collect the next ones
 * while others idle. Ties go to the first one met scanning from `start` (wrapping around): the
 * pool passes the replica it used most recently, so an idle warm replica is preferred over cold
 * ones (measured: 2 replicas at 1 connection were ~12% slower than 1 when spread round-robin).
 */
export function pickReplica(loads: readonly ReplicaLoad[], concurrency: number, start = 0): number {
  const n = loads.length;
  if (n === 0) return -1;
  let best = -1;
  let bestLoad = concurrency;
  let i = start >= 0 && start < n ? start : ((start % n) + n) % n;
  for (let seen = 0; seen < n; seen++) {
    const load = loads[i].inFlight;
    if (load < bestLoad) {
      best = i;
      bestLoad = load;
      if (load === 0) break;
    }
    i = i + 1 === n ? 0 : i + 1;
  }
  return best;
}
