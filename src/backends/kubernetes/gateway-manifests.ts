// What `slipway install` applies: the in-cluster gateway (Deployment, Service) and the RBAC that
// lets it read EndpointSlices, Deployments and Secrets in its namespace. Pure functions.
import { CAPTURE_SETTINGS_CONFIGMAP } from './cluster-capture-settings.ts';
import type {
  V1Deployment,
  V1Role,
  V1RoleBinding,
  V1Service,
  V1ServiceAccount,
} from '@kubernetes/client-node';
import { ACCESS_KEYS_SECRET, GATEWAY_NAME, label, MANAGED_BY } from './names.ts';
import { API_KEYS_SECRET } from './cluster-api-keys.ts';
import { ROLLOUT_LEADER_LEASE } from './rollout-leader.ts';

export type GatewayInstallInput = {
  project: string;
  namespace: string;
  /** Image with Node 24 and Slipway at /app (see gateway-image/Containerfile). */
  image: string;
  replicas: number;
  serviceType: 'ClusterIP' | 'NodePort' | 'LoadBalancer';
  imagePullSecret: string | null;
  /** Whether `slipway install` runs a metrics store the gateway forwards tracked metrics to. */
  metricsStore?: boolean;
};

/** Port the gateway listens on in its pod. */
export const GATEWAY_PORT = 8080;

const selector = { [label.name]: 'slipway-gateway', [label.instance]: GATEWAY_NAME };

function labels(project: string): Record<string, string> {
  return { ...selector, [label.component]: 'gateway', [label.partOf]: project, [label.managedBy]: MANAGED_BY };
}

/** Every object `slipway install` applies, in the order it applies them. */
export function gatewayManifests(input: GatewayInstallInput): [V1ServiceAccount, V1Role, V1RoleBinding, V1Deployment, V1Service] {
  return [gatewayServiceAccount(input), gatewayRole(input), gatewayRoleBinding(input), gatewayDeployment(input), gatewayService(input)];
}

export function gatewayServiceAccount(input: GatewayInstallInput): V1ServiceAccount {
  return { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: GATEWAY_NAME, namespace: input.namespace, labels: labels(input.project) } };
}

/**
 * Read access to what routes calls (EndpointSlices for replicas, Deployments for each model's
 * settings, Services for which deployment id serves, pods for the id each carries) and to the two
 * key Secrets by name (access-key hashes, API keys): never the env
 * Secrets, the pull secret or the digest key. Delete on pods: a replica whose call ran past its
 * timeout is replaced, as the local supervisor does (README, "Kubernetes: trust and permissions").
 * Read on PodMetrics (metrics.k8s.io): the replicas' CPU and memory for the technical metrics.
 * List on ConfigMaps: the dashboard shows the build and deployment records. Get on the ConfigMap
 * `slipway-capture` by name: which models' calls are captured, and how. Patch on Services,
 * update on deployments/scale and the rollout Lease: canary and shadow rollouts (cluster-rollouts.ts).
 */
export function gatewayRole(input: GatewayInstallInput): V1Role {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata: { name: GATEWAY_NAME, namespace: input.namespace, labels: labels(input.project) },
    rules: [
      { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: ['apps'], resources: ['deployments'], verbs: ['get', 'list', 'watch'] },
      // Patch on Services: a canary or shadow is recorded on the model's Service, and its end moves the serving id (cluster-rollouts.ts).
      { apiGroups: [''], resources: ['services'], verbs: ['get', 'list', 'watch', 'patch'] },
      { apiGroups: [''], resources: ['secrets'], resourceNames: [ACCESS_KEYS_SECRET, API_KEYS_SECRET], verbs: ['get', 'list', 'watch'] },
      { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch', 'delete'] },
      { apiGroups: ['metrics.k8s.io'], resources: ['pods'], verbs: ['get', 'list'] },
      // The build and deployment records (ConfigMaps holding no secret) the dashboard's pages show.
      { apiGroups: [''], resources: ['configmaps'], verbs: ['list'] },
      // A rollout's end scales the deployment it leaves to 0: the scale subresource changes replicas and nothing else.
      { apiGroups: ['apps'], resources: ['deployments/scale'], verbs: ['update'] },
      // The replica that drives rollouts holds this Lease (rollout-leader.ts); create cannot be limited by name.
      { apiGroups: ['coordination.k8s.io'], resources: ['leases'], resourceNames: [ROLLOUT_LEADER_LEASE], verbs: ['get', 'update'] },
      { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['create'] },
      // Each model's `capture` settings, written by every apply (cluster-capture-settings.ts).
      { apiGroups: [''], resources: ['configmaps'], resourceNames: [CAPTURE_SETTINGS_CONFIGMAP], verbs: ['get'] },
    ],
  };
}

export function gatewayRoleBinding(input: GatewayInstallInput): V1RoleBinding {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name: GATEWAY_NAME, namespace: input.namespace, labels: labels(input.project) },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: GATEWAY_NAME },
    subjects: [{ kind: 'ServiceAccount', name: GATEWAY_NAME, namespace: input.namespace }],
  };
}

export function gatewayDeployment(input: GatewayInstallInput): V1Deployment {
  const health = { httpGet: { path: '/healthz', port: 'http' } };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: GATEWAY_NAME, namespace: input.namespace, labels: labels(input.project) },
    spec: {
      replicas: input.replicas,
      selector: { matchLabels: selector },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
      template: {
        metadata: {
          labels: labels(input.project),
          // The conventional annotations Prometheus' Kubernetes service discovery is usually set up to honour.
          annotations: { 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(GATEWAY_PORT), 'prometheus.io/path': '/metrics' },
        },
        spec: {
          serviceAccountName: GATEWAY_NAME,
          ...(input.imagePullSecret ? { imagePullSecrets: [{ name: input.imagePullSecret }] } : {}),
          // Passes the Pod Security "restricted" profile (see README, "Kubernetes: trust and permissions").
          securityContext: { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, seccompProfile: { type: 'RuntimeDefault' } },
          volumes: [{ name: 'tmp', emptyDir: { sizeLimit: '64Mi' } }],
          containers: [
            {
              name: 'gateway',
              image: input.image,
              workingDir: '/app',
              command: ['node', 'src/cli/main.ts', 'gateway', '--kubernetes', '--port', String(GATEWAY_PORT)],
              env: [
                { name: 'SLIPWAY_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
                // The metrics store's Service and token (see metrics-store-manifests.ts).
                ...(input.metricsStore
                  ? [
                      { name: 'SLIPWAY_METRICS_STORE_URL', value: 'http://slipway-metrics-store' },
                      { name: 'SLIPWAY_METRICS_STORE_TOKEN', valueFrom: { secretKeyRef: { name: 'slipway-metrics-store', key: 'token' } } },
                      // The dashboard's admin login, when an operator made the Secret (API keys log in without it).
                      { name: 'SLIPWAY_DASHBOARD_TOKEN', valueFrom: { secretKeyRef: { name: 'slipway-dashboard', key: 'adminToken', optional: true } } },
                    ]
                  : []),
              ],
              ports: [{ name: 'http', containerPort: GATEWAY_PORT, protocol: 'TCP' }],
              // The gateway listens only once it has listed every model, so ready means routable.
              readinessProbe: { ...health, periodSeconds: 5 },
              livenessProbe: { ...health, periodSeconds: 10, failureThreshold: 6 },
              lifecycle: { preStop: { exec: { command: ['sleep', '5'] } } },
              resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '512Mi' } },
              securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
              volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
            },
          ],
        },
      },
    },
  };
}

/** `slipway-gateway`: port 80 to the gateway's 8080; clients call `POST /model` here. */
export function gatewayService(input: GatewayInstallInput): V1Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: GATEWAY_NAME, namespace: input.namespace, labels: labels(input.project) },
    spec: { type: input.serviceType, selector, ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }] },
  };
}
