// The cluster's metrics store as seen from outside the cluster (`slipway capture export --target`,
// the pull-request diff): reached through the API server's service proxy
// (`/api/v1/namespaces/<ns>/services/slipway-metrics-store:http/proxy/…`) with the kubeconfig's
// credentials, so no network route into the cluster is needed; the store's token is read from its
// Secret and sent as `X-Slipway-Store-Token` (the API server keeps `Authorization` for itself).
// RBAC: get on the Secret `slipway-metrics-store` and get on `services/proxy` (README).
import { Agent, fetch } from 'undici';
import type { V1Secret } from '@kubernetes/client-node';
import type { CapturedCall } from '../../store/captures.ts';
import { UserError } from '../../workspace/user-error.ts';
import { KubeApiError, type KubeApi } from './kube-api.ts';
import { METRICS_STORE_NAME, METRICS_STORE_SECRET_KEYS } from './metrics-store-manifests.ts';

/** The metrics store cannot be reached: the message says why and what to do. */
export class MetricsStoreUnreachable extends UserError {
  override name = 'MetricsStoreUnreachable';
}

/** A model's captured calls from the cluster's metrics store, oldest first (`newest`: the newest `limit` of them). */
export async function clusterCaptures(api: KubeApi, q: { model: string; sinceMs: number; limit: number; newest?: boolean }): Promise<CapturedCall[]> {
  const where = `namespace ${api.namespace}`;
  let secret: V1Secret | null;
  try {
    secret = await api.read<V1Secret>({ apiVersion: 'v1', kind: 'Secret', name: METRICS_STORE_NAME });
  } catch (error) {
    if (error instanceof KubeApiError && error.status === 403) throw new MetricsStoreUnreachable(`reading captured calls needs get on the Secret ${METRICS_STORE_NAME} in ${where}: ${error.message}`);
    throw error;
  }
  const token = secret?.data?.[METRICS_STORE_SECRET_KEYS.token];
  if (!token) throw new MetricsStoreUnreachable(`${where} has no metrics store (no Secret ${METRICS_STORE_NAME}): captured calls are kept there; \`slipway install\` sets one up`);
  const cluster = api.config.getCurrentCluster();
  if (!cluster) throw new MetricsStoreUnreachable('no Kubernetes cluster configured');
  const options: { headers?: Record<string, string>; ca?: Buffer | string; cert?: Buffer | string; key?: Buffer | string; rejectUnauthorized?: boolean } = {};
  await api.config.applyToHTTPSOptions(options as never);
  const dispatcher = new Agent({ connect: { ca: options.ca, cert: options.cert, key: options.key, rejectUnauthorized: options.rejectUnauthorized } });
  const query = new URLSearchParams({ model: q.model, sinceMs: String(q.sinceMs), limit: String(q.limit), ...(q.newest ? { newest: '1' } : {}) });
  const url = `${cluster.server.replace(/\/$/, '')}/api/v1/namespaces/${encodeURIComponent(api.namespace)}/services/${METRICS_STORE_NAME}:http/proxy/captures?${query}`;
  try {
    const answer = await fetch(url, {
      headers: { ...options.headers, 'x-slipway-store-token': Buffer.from(token, 'base64').toString('utf8') },
      signal: AbortSignal.timeout(60_000),
      dispatcher,
    });
    const text = await answer.text();
    if (answer.ok) return (JSON.parse(text) as { calls: CapturedCall[] }).calls;
    let message = text.slice(0, 300);
    try {
      message = (JSON.parse(text) as { message?: string }).message ?? message;
    } catch {
      // Not JSON: a proxy's error page; its first lines say enough.
    }
    const rbac = answer.status === 403 ? ' (reading captured calls needs get on services/proxy)' : '';
    throw new MetricsStoreUnreachable(`the metrics store in ${where} answered ${answer.status} through the API server's service proxy${rbac}: ${message}`);
  } catch (error) {
    if (error instanceof MetricsStoreUnreachable) throw error;
    throw new MetricsStoreUnreachable(`the metrics store in ${where} could not be reached through the API server: ${(error as Error).message}`);
  } finally {
    await dispatcher.close();
  }
}

/**
 * The diff's captured calls on a cluster: the newest from its metrics store when it can be
 * reached; otherwise none, said once (the examples and the replay set still run).
 */
export function clusterRecentCaptures(api: KubeApi, log: (line: string) => void): (model: string, count: number) => Promise<CapturedCall[]> {
  let said = false;
  return async (model, count) => {
    try {
      return await clusterCaptures(api, { model, sinceMs: 0, limit: count, newest: true });
    } catch (error) {
      if (!(error instanceof MetricsStoreUnreachable)) throw error;
      if (!said) log(`no captured calls in the answer diff: ${error.message}`);
      said = true;
      return [];
    }
  };
}
