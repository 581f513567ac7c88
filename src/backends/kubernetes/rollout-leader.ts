// Which in-cluster gateway replica drives rollouts: the holder of the Lease
// `slipway-rollout-leader`, elected as client-go's leader election does. Each replica tries every
// third of the lease's duration: it renews the Lease it holds, or takes one nobody renewed for a
// whole duration (timed on its own clock, so clock skew between nodes does not matter). Every write
// carries the resourceVersion read, so two replicas never both win a round. A replica leads only
// while its last renewal is younger than the duration; the others route by the Service's annotations.
import type { V1Lease } from '@kubernetes/client-node';
import { KubeApiError, type KubeApi } from './kube-api.ts';
import { label, MANAGED_BY } from './names.ts';

/** The Lease the gateway replicas elect their rollout driver with. */
export const ROLLOUT_LEADER_LEASE = 'slipway-rollout-leader';

export type RolloutLeader = {
  /** Resolves after the first attempt, won or not. */
  ready: Promise<void>;
  leading(): boolean;
  /** Stops trying and, when leading, frees the Lease so another replica takes over at once. */
  stop(): Promise<void>;
};

export function startRolloutLeader(opts: {
  api: KubeApi;
  holder: string;
  durationSeconds?: number;
  /** Told when this replica starts or stops leading. */
  onChange: (leading: boolean) => void;
  log: (line: string) => void;
  /** Milliseconds; default Date.now. */
  now?: () => number;
}): RolloutLeader {
  const { api } = opts;
  const now = opts.now ?? Date.now;
  const durationMs = (opts.durationSeconds ?? 15) * 1000;
  const ref = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', name: ROLLOUT_LEADER_LEASE };
  let confirmedAt: number | null = null;
  let seen: { key: string; at: number } | null = null;
  let was = false;
  let stopped = false;

  const manifest = (holder: string, duration: number, transitions: number, resourceVersion?: string): V1Lease => ({
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name: ROLLOUT_LEADER_LEASE, namespace: api.namespace, labels: { [label.managedBy]: MANAGED_BY }, ...(resourceVersion ? { resourceVersion } : {}) },
    spec: { holderIdentity: holder, leaseDurationSeconds: duration, renewTime: new Date().toISOString().replace(/Z$/, '000Z') as never, leaseTransitions: transitions },
  });

  const leading = (): boolean => confirmedAt !== null && now() - confirmedAt < durationMs;

  async function attempt(): Promise<void> {
    try {
      const current = await api.read<V1Lease>(ref);
      if (current === null) {
        await api.create(manifest(opts.holder, durationMs / 1000, 0));
        confirmedAt = now();
        return;
      }
      const spec = current.spec ?? {};
      const holder = spec.holderIdentity ?? '';
      const key = `${holder}\u0000${String(spec.renewTime ?? '')}`;
      if (seen?.key !== key) seen = { key, at: now() };
      const expired = now() - seen.at >= (spec.leaseDurationSeconds ?? durationMs / 1000) * 1000;
      if (holder !== opts.holder && holder !== '' && !expired) {
        confirmedAt = null;
        return;
      }
      const transitions = (spec.leaseTransitions ?? 0) + (holder === opts.holder ? 0 : 1);
      await api.replace(manifest(opts.holder, durationMs / 1000, transitions, current.metadata?.resourceVersion));
      confirmedAt = now();
    } catch (error) {
      // 409: another replica wrote first this round. Anything else: try again next round; the
      // lead lapses by itself once renewals failed for a whole duration.
      if (!(error instanceof KubeApiError && error.status === 409)) opts.log(`rollout leader election: ${(error as Error).message}`);
    } finally {
      const is = leading();
      if (is !== was && !stopped) {
        was = is;
        opts.onChange(is);
      }
    }
  }

  const ready = attempt();
  const timer = setInterval(() => void attempt(), durationMs / 3);
  timer.unref();
  return {
    ready,
    leading,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await ready;
      if (!leading()) return;
      confirmedAt = null;
      try {
        const current = await api.read<V1Lease>(ref);
        if (current?.spec?.holderIdentity !== opts.holder) return;
        // As client-go releases: an empty holder and a 1 s duration, so the next replica need not wait.
        await api.replace(manifest('', 1, current.spec?.leaseTransitions ?? 0, current.metadata?.resourceVersion));
      } catch (error) {
        opts.log(`cannot free the rollout leader Lease: ${(error as Error).message}`);
      }
    },
  };
}
