// The gateway's model table: which models it serves, each variant's replica pool, and the pools
// of variants and models that left but still finish calls. The supervisor changes it through
// `setRoute` / `removeRoute`; calls read it through `get`.
import { modelTap } from './call-tap.ts';
import type { ModelEntry, VariantEntry } from './model-call.ts';
import { closeReplicaLink, openReplicaLink, type ReplicaLink, zeroCounters } from './replica-link.ts';
import { ReplicaPool } from './replica-pool.ts';
import { routeVariants, type Variant } from './route-variants.ts';
import type { GatewayDeps, ModelRoute, ReplicaHandle, ReplicaStats } from './types.ts';

const DEFAULT_MAX_REQUEST_BYTES = 5 * 1024 * 1024;

/** The model table `createRouteTable` returns. */
export type RouteTable = {
  get(name: string): ModelEntry | undefined;
  readonly size: number;
  /** The largest request any served model takes (5 MiB with none): the /model limit before the body names one. */
  readonly largestLimit: number;
  /** Some served model takes calls without an API key: a keyless /model call must be read to know. */
  readonly anyWithoutKey: boolean;
  setRoute(route: ModelRoute): void;
  removeRoute(name: string): void;
  drain(replicaIds: string[]): Promise<void>;
  countRestart(replicaId: string): void;
  stats(): ReplicaStats[];
  queued(name: string): number;
  close(): Promise<void>;
};

/** An empty table; `log` takes notes about broken hooks. */
export function createRouteTable(deps: GatewayDeps, log: (line: string) => void): RouteTable {
  const routes = new Map<string, ModelEntry>();
  /** Every pool with replicas, including those of removed models and variants still finishing calls. */
  const pools = new Map<ReplicaPool<ReplicaLink>, string>();
  const pendingRestarts = new Map<string, number>();
  let largestLimit = DEFAULT_MAX_REQUEST_BYTES;
  let anyWithoutKey = false;

  function recomputeLimit(): void {
    largestLimit = 0;
    anyWithoutKey = false;
    for (const entry of routes.values()) {
      largestLimit = Math.max(largestLimit, entry.route.maxRequestBytes);
      if (!entry.route.auth) anyWithoutKey = true;
    }
    if (routes.size === 0) largestLimit = DEFAULT_MAX_REQUEST_BYTES;
  }

  /** Connections for a replica; a restarted process (`previous`) keeps its counters. */
  function openLink(model: string, deploymentId: number, handle: ReplicaHandle, previous: ReplicaLink | null): ReplicaLink {
    let counters = previous?.counters;
    if (counters === undefined) {
      counters = zeroCounters(pendingRestarts.get(handle.id) ?? 0);
      pendingRestarts.delete(handle.id);
    }
    return openReplicaLink(model, deploymentId, handle, counters);
  }

  /** A variant with its own pool; links opened later read `variant` then, so they carry its deployment at that time. */
  function openVariant(route: ModelRoute, variant: Variant): VariantEntry {
    const created = { variant, dropped: 0 } as VariantEntry;
    created.pool = new ReplicaPool<ReplicaLink>({
      concurrency: route.concurrency,
      busyTimeoutMs: route.busyTimeoutMs,
      open: (handle, previous) => openLink(route.name, created.variant.deploymentId, handle, previous),
      close: closeReplicaLink,
    });
    pools.set(created.pool, route.name);
    created.pool.replace(variant.replicas, true);
    return created;
  }

  /** A variant leaves: queued calls go elsewhere (model-call.ts), calls in flight finish. */
  function closeVariant(variant: VariantEntry): void {
    variant.pool.refuseQueued('removed');
    const ids = [...variant.pool.slots()].map((slot) => slot.id);
    variant.pool.replace([], true);
    void variant.pool.drained(ids).then(() => pools.delete(variant.pool));
  }

  /**
   * The next variants of an entry. The primary keeps its pool across deployments (a redeploy
   * moves queued calls to the new replicas, as before variants existed); a canary or shadow keeps
   * its pool while its deployment and role stay, and gets a new one otherwise.
   */
  function nextVariants(entry: ModelEntry, next: ModelRoute): void {
    const [primary, ...others] = routeVariants(next);
    const head = entry.serving[0];
    const newDeployment = head.variant.deploymentId !== primary.deploymentId;
    head.variant = primary;
    // Replicas first: a higher concurrency must not send queued calls to the old set.
    head.pool.replace(primary.replicas, newDeployment);
    head.pool.configure(next.concurrency, next.busyTimeoutMs);
    const previous = new Map([...entry.serving.slice(1), ...entry.shadows].map((v) => [`${v.variant.role}:${v.variant.deploymentId}`, v]));
    const serving: VariantEntry[] = [head];
    const shadows: VariantEntry[] = [];
    for (const variant of others) {
      const key = `${variant.role}:${variant.deploymentId}`;
      let kept = previous.get(key);
      if (kept === undefined) {
        kept = openVariant(next, variant);
      } else {
        previous.delete(key);
        kept.variant = variant;
        kept.pool.replace(variant.replicas, false);
        kept.pool.configure(next.concurrency, next.busyTimeoutMs);
      }
      (variant.role === 'shadow' ? shadows : serving).push(kept);
    }
    entry.serving = serving;
    entry.shadows = shadows;
    for (const gone of previous.values()) closeVariant(gone);
  }

  function setRoute(next: ModelRoute): void {
    const entry = routes.get(next.name);
    if (entry === undefined) {
      const [primary, ...others] = routeVariants(next);
      const created: ModelEntry = {
        route: next, removed: false, tap: modelTap(deps, next.name, log),
        serving: [openVariant(next, primary), ...others.filter((v) => v.role === 'canary').map((v) => openVariant(next, v))],
        shadows: others.filter((v) => v.role === 'shadow').map((v) => openVariant(next, v)),
      };
      routes.set(next.name, created);
    } else {
      entry.route = next;
      if (next.state === 'stopped') for (const variant of entry.serving) variant.pool.refuseQueued('stopped');
      nextVariants(entry, next);
    }
    recomputeLimit();
  }

  function removeRoute(name: string): void {
    const entry = routes.get(name);
    if (entry === undefined) return;
    routes.delete(name);
    entry.removed = true;
    recomputeLimit();
    for (const variant of [...entry.serving, ...entry.shadows]) closeVariant(variant);
  }

  return {
    get: (name) => routes.get(name),
    get size() {
      return routes.size;
    },
    get largestLimit() {
      return largestLimit;
    },
    get anyWithoutKey() {
      return anyWithoutKey;
    },
    setRoute,
    removeRoute,

    drain(replicaIds) {
      return Promise.all([...pools.keys()].map((pool) => pool.drained(replicaIds))).then(() => undefined);
    },

    countRestart(replicaId) {
      for (const pool of pools.keys()) {
        const slot = pool.get(replicaId);
        if (slot !== undefined) {
          slot.value.counters.restarts++;
          return;
        }
      }
      pendingRestarts.set(replicaId, (pendingRestarts.get(replicaId) ?? 0) + 1);
    },

    stats() {
      const out: ReplicaStats[] = [];
      for (const [pool, model] of pools) {
        for (const slot of pool.slots()) {
          const state = slot.listed && !slot.dead ? 'ready' : slot.inFlight > 0 ? 'draining' : 'removed';
          out.push({ model, replicaId: slot.id, origin: slot.origin, state, inFlight: slot.inFlight, ...slot.value.counters });
        }
      }
      return out;
    },

    queued(name) {
      return routes.get(name)?.serving.reduce((sum, variant) => sum + variant.pool.queued, 0) ?? 0;
    },

    async close() {
      // Marked first: a call refused below must not be sent to another variant of its model.
      for (const entry of routes.values()) entry.removed = true;
      const ids: string[] = [];
      for (const pool of pools.keys()) {
        pool.refuseQueued('removed');
        for (const slot of pool.slots()) ids.push(slot.id);
      }
      for (const name of [...routes.keys()]) removeRoute(name);
      await Promise.all([...pools.keys()].map((pool) => pool.drained(ids)));
      pools.clear();
    },
  };
}
