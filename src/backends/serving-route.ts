// The one place a deployment's serving settings become the gateway's route settings: the local
// deployer sets them on its in-process gateway, the Kubernetes backend writes them on the model's
// Deployment for the in-cluster gateway (route-settings.ts). One function, so both round timeouts
// to whole milliseconds alike.
import type { ModelRoute } from '../gateway/types.ts';
import type { DesiredState, Serving } from '../spec/types.ts';

/** Everything a `ModelRoute` holds besides the model's name and its replicas. */
export type RouteSettings = Omit<ModelRoute, 'name' | 'replicas'>;

/** The route settings of deployment `deploymentId` of build `build`, served as `serving` says. */
export function routeSettings(input: { deploymentId: number; build: number; state: DesiredState; serving: Serving }): RouteSettings {
  const { serving } = input;
  return {
    deploymentId: input.deploymentId,
    build: input.build,
    state: input.state,
    auth: serving.auth,
    concurrency: serving.concurrency,
    timeoutMs: Math.round(serving.timeoutSeconds * 1000),
    busyTimeoutMs: Math.round(serving.busyTimeoutSeconds * 1000),
    maxRequestBytes: serving.maxRequestBytes,
    ...(serving.contract ? { contract: serving.contract } : {}),
  };
}
