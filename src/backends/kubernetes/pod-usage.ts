// CPU and memory of the model pods, for the in-cluster gateway's technical metrics. The gateway
// cannot read other pods' cgroup files, so it asks the Kubernetes metrics API
// (`metrics.k8s.io/v1beta1` PodMetrics, served by metrics-server on most clusters): one list per
// 10 s sample for the whole namespace, no change to the runtimes, and the kubelet's own figures
// (CPU already a rate, memory the working set). Where the API is not served, CPU and memory stay
// empty and the gateway says why once.
import type { KubernetesObject } from '@kubernetes/client-node';
import { KubeApiError, type KubeApi } from './kube-api.ts';

type PodMetrics = KubernetesObject & { containers?: Array<{ name: string; usage?: { cpu?: string; memory?: string } }> };

export type ReplicaUsage = { cpu: number | null; rss: number | null };

const CPU_UNITS: Record<string, number> = { n: 1e-9, u: 1e-6, m: 1e-3, '': 1 };
const MEMORY_UNITS: Record<string, number> = {
  '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, Ti: 1024 ** 4,
};

/** Cores from a CPU quantity (`"250m"`, `"1234567n"`, `"2"`), or null when it is not one. */
export function parseCpu(quantity: string | undefined): number | null {
  const m = /^(\d+(?:\.\d+)?)(n|u|m|)$/.exec(quantity ?? '');
  return m ? Number(m[1]) * CPU_UNITS[m[2]!]! : null;
}

/** Bytes from a memory quantity (`"64Mi"`, `"1500k"`, `"1048576"`), or null when it is not one. */
export function parseMemory(quantity: string | undefined): number | null {
  const m = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|k|M|G|T|)$/.exec(quantity ?? '');
  return m ? Number(m[1]) * MEMORY_UNITS[m[2]!]! : null;
}

/** Each pod's usage, its containers summed (a pod is a replica: the name is its replica id). */
export function usageByPod(items: readonly PodMetrics[]): Map<string, ReplicaUsage> {
  const byPod = new Map<string, ReplicaUsage>();
  for (const item of items) {
    const name = item.metadata?.name;
    if (!name) continue;
    let cpu: number | null = null;
    let rss: number | null = null;
    for (const c of item.containers ?? []) {
      const cores = parseCpu(c.usage?.cpu);
      const bytes = parseMemory(c.usage?.memory);
      if (cores !== null) cpu = (cpu ?? 0) + cores;
      if (bytes !== null) rss = (rss ?? 0) + bytes;
    }
    byPod.set(name, { cpu, rss });
  }
  return byPod;
}

export type PodUsage = {
  /** Lists PodMetrics again; never rejects (a failure leaves the map empty and is logged once). */
  refresh(): Promise<void>;
  /** What the last refresh found, by pod name. */
  current(): Map<string, ReplicaUsage>;
};

export function createPodUsage(api: KubeApi, log: (line: string) => void): PodUsage {
  let current = new Map<string, ReplicaUsage>();
  let lastProblem = '';
  return {
    async refresh() {
      try {
        current = usageByPod(await api.list<PodMetrics>('metrics.k8s.io/v1beta1', 'PodMetrics'));
        lastProblem = '';
      } catch (error) {
        current = new Map();
        const problem = error instanceof KubeApiError && error.status === 404
          ? 'the metrics API (metrics.k8s.io) is not served here: install metrics-server for the CPU and memory charts'
          : `cannot read pod CPU and memory from the metrics API: ${(error as Error).message}`;
        if (problem !== lastProblem) log(problem);
        lastProblem = problem;
      }
    },
    current: () => current,
  };
}
