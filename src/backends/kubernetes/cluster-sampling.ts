// Technical metrics of the in-cluster gateway: every 10 s, the same sampler as the daemon's (calls
// by outcome, latency percentiles, bytes, busy, restarts per model and replica), with CPU and
// memory from the metrics API (pod-usage.ts), sent to the cluster's metrics store. Several gateway
// replicas each send what they saw: counters add up in the store; CPU and memory, the same figures
// from each, average to themselves.
import type { CallTally } from '../../telemetry/call-tally.ts';
import { createSampler, SAMPLE_INTERVAL_MS } from '../../telemetry/sampler.ts';
import type { Gateway } from '../../gateway/types.ts';
import { createTechForwarder } from '../../metrics-store/tech-forwarder.ts';
import type { KubeApi } from './kube-api.ts';
import { createPodUsage } from './pod-usage.ts';

export type ClusterSampling = {
  /** One round at `nowMs`: reads pod usage, samples, and waits until the store has it (tests). */
  sampleNow(nowMs: number): Promise<void>;
  /** Calls counted since the last sample, per model (for the dashboard's overview). */
  unsampled(): Map<string, { calls: number; failed: number }>;
  stop(): void;
};

export function startClusterSampling(opts: {
  api: KubeApi;
  gateway: Gateway;
  tally: CallTally;
  store: { url: string; token: string };
  log: (line: string) => void;
  /** Default: every 10 s with the real clock; 0 samples only when `sampleNow` is called. */
  intervalMs?: number;
}): ClusterSampling {
  const usage = createPodUsage(opts.api, opts.log);
  const sink = createTechForwarder({ ...opts.store, log: opts.log });
  const sampler = createSampler({ sink, tally: opts.tally, stats: () => opts.gateway.stats(), replicaUsage: () => usage.current(), log: opts.log });
  let running: Promise<void> | null = null;
  const sampleNow = async (nowMs: number): Promise<void> => {
    await usage.refresh();
    try {
      sampler.sample(nowMs);
    } catch (error) {
      opts.log(`telemetry: cannot take a sample: ${(error as Error).message}`);
    }
    await sink.flush();
  };
  const interval = opts.intervalMs ?? SAMPLE_INTERVAL_MS;
  const timer = interval > 0
    ? setInterval(() => {
      // A round still waiting on the API or the store: skip this tick rather than pile up.
      running ??= sampleNow(Date.now()).finally(() => {
        running = null;
      });
    }, interval)
    : null;
  timer?.unref();
  return {
    sampleNow,
    unsampled: () => sampler.unsampled(),
    stop: () => {
      if (timer) clearInterval(timer);
    },
  };
}
