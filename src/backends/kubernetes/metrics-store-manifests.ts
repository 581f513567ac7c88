// The cluster's metrics store (see src/metrics-store/): a single-replica StatefulSet holding
// node:sqlite on a PersistentVolumeClaim, or, when the target names a PostgreSQL, a store that
// keeps nothing itself and writes there. Its Service is reached by the gateways, and through the
// API server's service proxy by `capture export --target` (metrics-store-proxy.ts), always with the
// token in the `slipway-metrics-store` Secret. Pure functions.
import type { V1Service, V1StatefulSet } from '@kubernetes/client-node';
import { label, MANAGED_BY } from './names.ts';

export const METRICS_STORE_NAME = 'slipway-metrics-store';
/** Port the store listens on in its pod; its Service maps port 80 to it. */
export const METRICS_STORE_PORT = 8081;
/** Keys of the `slipway-metrics-store` Secret. */
export const METRICS_STORE_SECRET_KEYS = { token: 'token', postgresUrl: 'postgres-url' } as const;

export type MetricsStoreInput = {
  project: string;
  namespace: string;
  /** The same image as the gateway's (Node 24 and Slipway at /app). */
  image: string;
  imagePullSecret: string | null;
  /** SQLite on a claim of this size, or PostgreSQL (its URL in the Secret). */
  storage: { kind: 'sqlite'; size: string; storageClass?: string } | { kind: 'postgres' };
};

const selector = { [label.name]: 'slipway-metrics-store', [label.instance]: METRICS_STORE_NAME };

function labels(project: string): Record<string, string> {
  return { ...selector, [label.component]: 'metrics-store', [label.partOf]: project, [label.managedBy]: MANAGED_BY };
}

const secretEnv = (name: string, key: string) => ({ name, valueFrom: { secretKeyRef: { name: METRICS_STORE_NAME, key } } });

export function metricsStoreStatefulSet(input: MetricsStoreInput): V1StatefulSet {
  const sqlite = input.storage.kind === 'sqlite' ? input.storage : null;
  const health = { httpGet: { path: '/healthz', port: 'http' } };
  const args = sqlite ? ['--data', '/data/metrics.db'] : ['--postgres-url-env', 'SLIPWAY_METRICS_POSTGRES_URL'];
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: METRICS_STORE_NAME, namespace: input.namespace, labels: labels(input.project) },
    spec: {
      // One writer: SQLite on a ReadWriteOnce claim must never be opened by two pods.
      replicas: 1,
      serviceName: METRICS_STORE_NAME,
      selector: { matchLabels: selector },
      podManagementPolicy: 'OrderedReady',
      updateStrategy: { type: 'RollingUpdate' },
      template: {
        metadata: { labels: labels(input.project) },
        spec: {
          ...(input.imagePullSecret ? { imagePullSecrets: [{ name: input.imagePullSecret }] } : {}),
          automountServiceAccountToken: false,
          securityContext: { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000, seccompProfile: { type: 'RuntimeDefault' } },
          containers: [
            {
              name: 'metrics-store',
              image: input.image,
              workingDir: '/app',
              command: ['node', 'src/cli/main.ts', 'metrics-store', '--port', String(METRICS_STORE_PORT), ...args],
              env: [
                secretEnv('SLIPWAY_METRICS_STORE_TOKEN', METRICS_STORE_SECRET_KEYS.token),
                ...(sqlite ? [] : [secretEnv('SLIPWAY_METRICS_POSTGRES_URL', METRICS_STORE_SECRET_KEYS.postgresUrl)]),
              ],
              ports: [{ name: 'http', containerPort: METRICS_STORE_PORT, protocol: 'TCP' }],
              readinessProbe: { ...health, periodSeconds: 5 },
              livenessProbe: { ...health, periodSeconds: 10, failureThreshold: 6 },
              resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { memory: '256Mi' } },
              securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
              ...(sqlite ? { volumeMounts: [{ name: 'data', mountPath: '/data' }] } : {}),
            },
          ],
        },
      },
      ...(sqlite
        ? {
            volumeClaimTemplates: [{
              metadata: { name: 'data', labels: labels(input.project) },
              spec: {
                accessModes: ['ReadWriteOnce'],
                resources: { requests: { storage: sqlite.size } },
                ...(sqlite.storageClass ? { storageClassName: sqlite.storageClass } : {}),
              },
            }],
            // The claim outlives a deleted StatefulSet: metrics are history.
            persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
          }
        : {}),
    },
  };
}

/** `slipway-metrics-store`: port 80 to the store, for the gateways only (ClusterIP). */
export function metricsStoreService(input: MetricsStoreInput): V1Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: METRICS_STORE_NAME, namespace: input.namespace, labels: labels(input.project) },
    spec: { type: 'ClusterIP', selector, ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }] },
  };
}
