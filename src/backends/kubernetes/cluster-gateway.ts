// The gateway as it runs in the cluster (`slipway gateway --kubernetes`, set up by `slipway install`):
// the same data plane as the local daemon's, with routes and keys from endpoint discovery instead
// of a supervisor and a store. It listens only once every model has been listed, so its readiness
// probe passing means it can route. `GET /metrics` is for Prometheus.
import { once } from 'node:events';
import { hostname } from 'node:os';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createGateway } from '../../gateway/gateway.ts';
import { sendError } from '../../gateway/answers.ts';
import { createGatewayServer } from '../../gateway/gateway-server.ts';
import { createGatewayMetrics } from '../../gateway/prometheus.ts';
import type { Gateway } from '../../gateway/types.ts';
import { startEndpointDiscovery, type EndpointDiscovery } from './endpoint-discovery.ts';
import type { KubeApi } from './kube-api.ts';
import { createMetricsForwarder } from '../../metrics-store/gateway-forwarder.ts';
import { bothTimers, createCallTally } from '../../telemetry/call-tally.ts';
import { startClusterSampling, type ClusterSampling } from './cluster-sampling.ts';
import { createClusterDashboard, type ClusterDashboard } from '../../ui/cluster-dashboard.ts';
import { readClusterState } from './observe.ts';
import type { Gateway as GatewayHandle } from '../../gateway/types.ts';
import { startClusterRollouts, type ClusterRollouts, type ClusterRolloutsOptions } from './cluster-rollouts.ts';
import { variantFromService } from './rollout-annotations.ts';
import { requestClusterRollout } from './rollout-request.ts';
import { startClusterCapture, type ClusterCapture } from './cluster-capture.ts';

const METRICS_UNAVAILABLE =
  'the in-cluster gateway does not store tracked metrics yet: read_metrics and track_delayed_metrics work with the local daemon; each call still returns its own metrics with its answer';

export type ClusterGatewayOptions = {
  api: KubeApi;
  port: number;
  host?: string;
  log: (line: string) => void;
  /** The metrics store `slipway install` runs, when there is one: tracked metrics go there. */
  metricsStore?: { url: string; token: string } | null;
  /** How often technical metrics are sampled into the metrics store (default 10 s; 0: only by `sampling.sampleNow`). */
  sampleEveryMs?: number;
  /**
   * The dashboard's admin token (`slipway-dashboard` Secret), or null: log in with API keys only.
   * The dashboard is served with a metrics store, which its charts read.
   */
  dashboardAdminToken?: string | null;
  /** Canary and shadow rollouts: this replica's name in the leader Lease (default the host name), clock and timers (tests). */
  rollouts?: Partial<Pick<ClusterRolloutsOptions, 'holder' | 'now' | 'tickEveryMs' | 'saveEveryMs' | 'leaseSeconds'>>;
  /** How often the capture settings are read (default 5 s; 0: only by `capture.refresh`). */
  captureSettingsEveryMs?: number;
};

export type ClusterGateway = {
  url: string;
  gateway: Gateway;
  discovery: EndpointDiscovery;
  /** Technical metrics sent to the metrics store, when there is one. */
  sampling: ClusterSampling | null;
  rollouts: ClusterRollouts;
  /** Captured calls sent to the metrics store (cluster-capture.ts). */
  capture: ClusterCapture;
  stop(): Promise<void>;
};

/** Starts discovery, waits until it has listed everything, then serves calls on `port`. */
export async function startClusterGateway(opts: ClusterGatewayOptions): Promise<ClusterGateway> {
  let discovery: EndpointDiscovery | null = null;
  let rollouts: ClusterRollouts | null = null;
  let dashboard: ClusterDashboard | null = null;
  const forwarder = opts.metricsStore
    ? createMetricsForwarder({ ...opts.metricsStore, authorize: (apiKey, model) => discovery?.keyring().verifyApiKey(apiKey, model) ?? 'invalid', log: opts.log })
    : null;
  const metrics = createGatewayMetrics();
  const tally = createCallTally();
  const capture = startClusterCapture({ api: opts.api, metricsStore: opts.metricsStore ?? null, log: opts.log, settingsEveryMs: opts.captureSettingsEveryMs });
  const gateway = createGateway({
    // With a metrics store, each call is also tallied for the technical metrics it keeps.
    callTimer: opts.metricsStore ? bothTimers(metrics.callTimer, tally.callTimer) : metrics.callTimer,
    modelForAccessKey: (key) => discovery?.keyring().modelForAccessKey(key) ?? null,
    authorize: (apiKey, model) => discovery?.keyring().verifyApiKey(apiKey, model) ?? 'invalid',
    // Without a metrics store, tracked metrics travel back to callers with each response only.
    recordMetrics: (m) => forwarder?.record(m),
    // Capture and the rollout's window share the call tap (the window: the leading replica's share).
    tap: (model) => {
      const captured = capture.tap?.(model) ?? null;
      return (call) => {
        captured?.(call);
        rollouts?.record(call);
      };
    },
    onReplicaTimeout: (replicaId) => {
      // As the local supervisor replaces a replica stuck past its timeout, delete its pod; the
      // Deployment starts a new one and the EndpointSlice lists it once ready.
      opts.log(`replica ${replicaId} ran past its timeout; deleting its pod so it is replaced`);
      opts.api.remove({ apiVersion: 'v1', kind: 'Pod', name: replicaId }).catch((error: Error) => opts.log(`cannot delete pod ${replicaId}: ${error.message}`));
    },
    onReplicaDied: (replicaId) => {
      // Kubernetes restarts a crashed container and updates the EndpointSlice; a replica that still
      // runs (a dropped connection) is listed again a moment later.
      const model = discovery?.modelOfReplica(replicaId);
      if (model) setTimeout(() => discovery?.refresh(model), 1000).unref();
    },
    log: opts.log,
  });
  discovery = startEndpointDiscovery({
    api: opts.api, gateway, log: opts.log,
    // Until the rollouts start (after the first listing), as the Service's annotations say.
    variantOf: (model, service) => (rollouts === null ? variantFromService(service) : rollouts.variantOf(model, service)),
    onService: (model) => {
      rollouts?.serviceChanged(model);
      // A rollout stepped or ended, traffic moved: pages show it now, not after the shared read's 2 s.
      dashboard?.changed();
    },
  });
  await discovery.synced;
  const found = discovery;
  rollouts = startClusterRollouts({
    ...opts.rollouts,
    api: opts.api, log: opts.log, service: found.service, models: found.models, refresh: found.refresh,
    holder: opts.rollouts?.holder ?? hostname(),
    dropped: (model) => gateway.shadowDropped(model),
  });
  await rollouts.idle();
  metrics.attach(gateway);
  const sampling = opts.metricsStore
    ? startClusterSampling({ api: opts.api, gateway, tally, store: opts.metricsStore, log: opts.log, intervalMs: opts.sampleEveryMs })
    : null;
  let selfUrl = '';
  dashboard = opts.metricsStore && sampling
    ? createClusterDashboard({
      clusterState: () => readClusterState(opts.api),
      // The leader's own controller is fresher than its last save; other replicas show the save.
      liveRollout: (model) => {
        if (!rollouts?.leading()) return null;
        const state = rollouts.controller.status(model);
        return state?.strategy === 'shadow' && state.outcome === 'running' ? { ...state, dropped: gateway.shadowDropped(model) } : state;
      },
      // Through the request annotation, as `slipway promote --target`, not the controller directly:
      // it works from whichever replica serves the page, the leader acts on it in its one queue
      // (never interleaved with a step or a save), and it needs no grant beyond the Role's `patch
      // services`. It resolves once the leader wrote the outcome.
      promote: (model) => requestClusterRollout(opts.api, model, 'promote', { pollMs: 100 }),
      stats: () => gateway.stats(),
      unsampled: () => sampling.unsampled(),
      apiKeys: () => discovery?.apiKeys() ?? [],
      adminToken: opts.dashboardAdminToken ?? null,
      metricsStore: opts.metricsStore,
      gatewayUrl: () => selfUrl,
      log: opts.log,
    })
    : null;
  // Last, after every other prefix: what the dashboard does not own goes to the data plane.
  const dashboardOrCalls: GatewayHandle['handle'] = (req, res) => {
    if (!dashboard?.owns(req.url ?? '')) return gateway.handle(req, res);
    dashboard.handle(req, res).catch((error: Error) => {
      opts.log(`dashboard error: ${error.message}`);
      if (!res.headersSent) sendError(res, 500, 'gateway.error', 'the dashboard failed on this request; see the gateway log');
      else res.end();
    });
  };
  const server: Server = createGatewayServer(gateway, {
    metrics,
    // CML's metrics API needs a store: answered through it when installed, else 501 saying why (not 404).
    prefixes: [
      ['/api/v1/metrics', forwarder ? forwarder.handle : (_req, res) => sendError(res, 501, 'metrics.unavailable', METRICS_UNAVAILABLE)],
      ...(dashboard ? [['/', dashboardOrCalls] as [string, GatewayHandle['handle']]] : []),
    ],
  });
  server.listen(opts.port, opts.host ?? '0.0.0.0');
  await once(server, 'listening');
  const address = server.address() as AddressInfo;
  const host = address.address.includes(':') ? `[${address.address}]` : address.address;
  // The test widget calls this gateway on loopback, whatever address it listens on.
  selfUrl = `http://${address.family === 'IPv6' ? '[::1]' : '127.0.0.1'}:${address.port}`;
  opts.log(`gateway serving ${discovery.routes().size} models on port ${address.port} (namespace ${opts.api.namespace})`);
  return {
    url: `http://${host}:${address.port}`,
    gateway,
    discovery,
    sampling,
    rollouts,
    capture,
    async stop() {
      await rollouts?.stop();
      sampling?.stop();
      await capture.stop();
      discovery?.stop();
      await gateway.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
