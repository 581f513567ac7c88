// The apply lock: a Lease (coordination.k8s.io/v1) named slipway-apply-lock in the namespace, as
// client-go's leader election uses one. Held while an apply runs and renewed meanwhile; a second
// apply waits for it and gives up after a timeout. A holder that died stops renewing, and its lease
// is taken over once it has not changed for its whole duration, timed on this machine's clock so
// clock skew between machines does not matter.
import type { V1Lease } from '@kubernetes/client-node';
import { KubeApiError, type KubeApi } from './kube-api.ts';
import { APPLY_LOCK_NAME, label, MANAGED_BY } from './names.ts';

export type ApplyLockOptions = {
  /** Who holds the lock, as others see it: e.g. `ci-run-123@runner` or `alice@laptop-4711`. */
  holder: string;
  /** How long the lock stays held without renewal. */
  durationSeconds: number;
  /** How long to wait for another holder before giving up. */
  timeoutMs: number;
  /** How often to look again while waiting. */
  pollMs?: number;
  log?: (line: string) => void;
  /** The clock renewals are timed on (tests). Default Date.now. */
  now?: () => number;
};

export type ApplyLock = {
  /**
   * Throws ApplyLockLostError unless this apply still holds the lock: the Lease names it and was
   * renewed within its duration. Called before every write, as client-go's leader election stops
   * work once it cannot renew, so two applies never write at once.
   */
  assertHeld(): Promise<void>;
  /** Stops renewing and frees the lock for the next apply. */
  release(): Promise<void>;
};

/** Thrown before a write once the lock was taken by another apply or could not be renewed in time. */
export class ApplyLockLostError extends Error {
  constructor(namespace: string, why: string) {
    super(`this apply lost the apply lock (Lease ${APPLY_LOCK_NAME} in namespace ${namespace}): ${why}; it stopped before its next write. Plan and apply again`);
    this.name = 'ApplyLockLostError';
  }
}

/** Thrown when another apply held the lock for longer than the timeout. */
export class ApplyLockTimeoutError extends Error {
  readonly holder: string;
  constructor(namespace: string, holder: string, waitedMs: number, durationSeconds: number) {
    super(
      `another apply holds the apply lock (Lease ${APPLY_LOCK_NAME} in namespace ${namespace}, holder "${holder}"); ` +
        `gave up after waiting ${Math.round(waitedMs / 1000)} s. Run again once it has finished (raise lockTimeoutSeconds to wait longer); ` +
        `if that apply died, its lock frees itself ${durationSeconds} s after its last renewal`,
    );
    this.name = 'ApplyLockTimeoutError';
    this.holder = holder;
  }
}

/** The Lease manifest as Slipway writes it. */
export function leaseManifest(input: { namespace: string; holder: string; durationSeconds: number; now: Date; transitions: number; acquired?: Date }): V1Lease {
  return {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name: APPLY_LOCK_NAME, namespace: input.namespace, labels: { [label.managedBy]: MANAGED_BY } },
    spec: {
      holderIdentity: input.holder,
      leaseDurationSeconds: input.durationSeconds,
      acquireTime: microTime(input.acquired ?? input.now) as never,
      renewTime: microTime(input.now) as never,
      leaseTransitions: input.transitions,
    },
  };
}

/** Waits for and takes the lock; renews it until released. */
export async function acquireApplyLock(api: KubeApi, opts: ApplyLockOptions): Promise<ApplyLock> {
  const pollMs = opts.pollMs ?? 1000;
  const started = Date.now();
  // The last (holder, renewTime) seen, and when it was first seen here.
  let seen = null as { key: string; at: number } | null;
  let announced = false;
  const ref = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', name: APPLY_LOCK_NAME };

  for (;;) {
    const current = await api.read<V1Lease>(ref);
    const now = new Date();
    try {
      if (current === null) {
        await api.create(leaseManifest({ namespace: api.namespace, holder: opts.holder, durationSeconds: opts.durationSeconds, now, transitions: 0 }));
        return holding(api, opts, now);
      }
      const spec = current.spec ?? {};
      const holder = spec.holderIdentity ?? '';
      const key = `${holder}\u0000${String(spec.renewTime ?? '')}`;
      if (seen?.key !== key) seen = { key, at: Date.now() };
      const duration = (spec.leaseDurationSeconds ?? opts.durationSeconds) * 1000;
      const free = holder === '' || holder === opts.holder || Date.now() - seen.at > duration;
      if (free) {
        const transitions = (spec.leaseTransitions ?? 0) + (holder === opts.holder ? 0 : 1);
        const next = leaseManifest({ namespace: api.namespace, holder: opts.holder, durationSeconds: opts.durationSeconds, now, transitions });
        next.metadata!.resourceVersion = current.metadata?.resourceVersion;
        await api.replace(next);
        return holding(api, opts, now);
      }
      const waited = Date.now() - started;
      if (waited >= opts.timeoutMs) throw new ApplyLockTimeoutError(api.namespace, holder, waited, spec.leaseDurationSeconds ?? opts.durationSeconds);
      if (!announced) {
        opts.log?.(`waiting for the apply lock, held by "${holder}" (up to ${Math.round(opts.timeoutMs / 1000)} s)`);
        announced = true;
      }
      await sleep(Math.min(pollMs, opts.timeoutMs - waited));
    } catch (error) {
      // Someone else created or updated the Lease between our read and write: look again.
      if (error instanceof KubeApiError && error.status === 409) continue;
      throw error;
    }
  }
}

function holding(api: KubeApi, opts: ApplyLockOptions, acquired: Date): ApplyLock {
  const ref = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', name: APPLY_LOCK_NAME };
  let renewing: Promise<void> = Promise.resolve();
  // Why the lock is no longer ours, once it is not; when it was last known to be ours.
  const clock = opts.now ?? Date.now;
  let lost: string | null = null;
  let confirmedAt = clock();
  const takenBy = (current: V1Lease | null): string | null =>
    current === null || current.spec?.holderIdentity !== opts.holder ? `it was taken by "${current?.spec?.holderIdentity || 'nobody'}" while this apply ran` : null;
  const renew = async (holder: string, durationSeconds: number): Promise<void> => {
    const current = await api.read<V1Lease>(ref);
    const taken = takenBy(current);
    if (taken !== null) {
      lost ??= taken;
      opts.log?.(`the apply lock ${taken}`);
      return;
    }
    const next = leaseManifest({ namespace: api.namespace, holder, durationSeconds, now: new Date(), transitions: current!.spec!.leaseTransitions ?? 0, acquired });
    next.metadata!.resourceVersion = current!.metadata?.resourceVersion;
    await api.replace(next);
    confirmedAt = clock();
  };
  const timer = setInterval(() => {
    renewing = renew(opts.holder, opts.durationSeconds).catch((error: Error) => opts.log?.(`cannot renew the apply lock: ${error.message}`));
  }, (opts.durationSeconds * 1000) / 3);
  timer.unref();
  let released = false;
  return {
    async assertHeld() {
      if (lost === null && clock() - confirmedAt > opts.durationSeconds * 1000) {
        lost = `it could not be renewed for ${Math.round((clock() - confirmedAt) / 1000)} s, longer than its ${opts.durationSeconds} s duration, so another apply may hold it`;
      }
      if (lost === null) {
        const taken = takenBy(await api.read<V1Lease>(ref));
        if (taken !== null) lost = taken;
      }
      if (lost !== null) throw new ApplyLockLostError(api.namespace, lost);
    },
    async release() {
      if (released) return;
      released = true;
      clearInterval(timer);
      await renewing;
      if (lost !== null) return;
      // As client-go does: an empty holder and a 1 s duration, so the next apply need not wait.
      await renew('', 1).catch((error: Error) => opts.log?.(`cannot release the apply lock: ${error.message}`));
    },
  };
}

/** RFC 3339 with microseconds, as the API's MicroTime is written. */
function microTime(date: Date): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}
