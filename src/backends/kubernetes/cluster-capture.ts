// Capture in the in-cluster gateway: the daemon's recorder (sampling, daily cap, redaction before
// anything leaves the gateway, never headers) with the settings every apply writes to the
// `slipway-capture` ConfigMap, sending its batches to the metrics store. Without a metrics store
// nothing is captured, and the gateway says so once when a model asks for capture.
import { createCaptureRecorder } from '../../capture/recorder.ts';
import type { GatewayDeps } from '../../gateway/types.ts';
import { createCaptureForwarder } from '../../metrics-store/capture-forwarder.ts';
import { startCaptureSettingsReader } from './cluster-capture-settings.ts';
import type { KubeApi } from './kube-api.ts';

export type ClusterCapture = {
  /** For GatewayDeps.tap; absent without a metrics store. */
  tap?: GatewayDeps['tap'];
  /** Reads the settings now and hands them to the recorder (tests; otherwise every `settingsEveryMs`). */
  refresh(): Promise<void>;
  /** Sends what is captured so far and waits until the store has it. */
  flush(): Promise<void>;
  stop(): Promise<void>;
};

export function startClusterCapture(opts: { api: KubeApi; metricsStore: { url: string; token: string } | null; log: (line: string) => void; settingsEveryMs?: number }): ClusterCapture {
  let warned = false;
  const reader = startCaptureSettingsReader({
    api: opts.api,
    log: opts.log,
    intervalMs: opts.settingsEveryMs ?? 5000,
    onChange: (settings) => {
      if (opts.metricsStore || warned || settings.size === 0) return;
      warned = true;
      opts.log(`capture is declared for ${[...settings.keys()].join(', ')}, but captured calls are kept in the metrics store and this gateway has none: nothing is captured (\`slipway install\` sets one up)`);
    },
  });
  const first = reader.refresh();
  if (!opts.metricsStore) {
    return { refresh: reader.refresh, flush: async () => {}, stop: async () => reader.stop() };
  }
  const forwarder = createCaptureForwarder({ ...opts.metricsStore, settings: reader.current, log: opts.log });
  // Slices keep SQLite writes short in the daemon; here a write only queues a send, so one per batch.
  const recorder = createCaptureRecorder({ sink: forwarder, log: opts.log, sliceRows: 10_000 });
  void first.then(() => recorder.reload());
  return {
    tap: recorder.tap,
    async refresh() {
      await reader.refresh();
      recorder.reload();
    },
    async flush() {
      recorder.flush();
      await forwarder.flush();
    },
    async stop() {
      reader.stop();
      recorder.close();
      await forwarder.flush();
    },
  };
}
