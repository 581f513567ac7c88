// `slipway gateway --kubernetes`: the in-cluster gateway process that `slipway install` deploys.
// Locally the gateway runs inside the daemon (`slipway up`), so only --kubernetes is supported.
import type { Command } from 'commander';
import { startClusterGateway } from '../backends/kubernetes/cluster-gateway.ts';
import { createKubeApi, loadKubeConfig, namespaceOf } from '../backends/kubernetes/kube-api.ts';
import { CliError } from './cli-error.ts';

type GatewayFlags = { kubernetes?: boolean; namespace?: string; port: string; host: string; kubeconfig?: string; context?: string };

export function registerGateway(program: Command): void {
  program
    .command('gateway', { hidden: true })
    .description('serve models from a Kubernetes namespace (run in the cluster by `slipway install`)')
    .option('--kubernetes', 'find models through the Kubernetes API (EndpointSlices, Deployments, Secrets)')
    .option('-n, --namespace <namespace>', 'namespace (default: $SLIPWAY_NAMESPACE, else the pod\'s or context\'s)')
    .option('--port <port>', 'port to listen on', '8080')
    .option('--host <address>', 'address to listen on', '0.0.0.0')
    .option('--kubeconfig <path>', 'kubeconfig file (default: in-cluster, or as kubectl finds it)')
    .option('--context <context>', 'kubeconfig context')
    .action(async (flags: GatewayFlags) => {
      if (!flags.kubernetes) throw new CliError('only `slipway gateway --kubernetes` exists: locally the gateway runs inside `slipway up`');
      const kc = loadKubeConfig({ kubeconfig: flags.kubeconfig, context: flags.context });
      const namespace = namespaceOf(kc, flags.namespace ?? process.env.SLIPWAY_NAMESPACE);
      const log = (line: string) => process.stderr.write(`${new Date().toISOString()} ${line}\n`);
      // Set by `slipway install` when it runs a metrics store (see metrics-store-manifests.ts).
      const storeUrl = process.env.SLIPWAY_METRICS_STORE_URL;
      const storeToken = process.env.SLIPWAY_METRICS_STORE_TOKEN;
      const metricsStore = storeUrl && storeToken ? { url: storeUrl, token: storeToken } : null;
      const running = await startClusterGateway({ api: createKubeApi(kc, namespace), port: Number(flags.port), host: flags.host, log, metricsStore,
        // From the optional `slipway-dashboard` Secret: an admin login for the dashboard.
        dashboardAdminToken: process.env.SLIPWAY_DASHBOARD_TOKEN || null });
      await new Promise<void>((resolve) => {
        process.once('SIGTERM', resolve);
        process.once('SIGINT', resolve);
      });
      log('stopping: letting calls in flight finish');
      await running.stop();
    });
}
