// The Deployment that runs one model. Pure: everything it needs arrives as arguments, so tests
// validate its output against the Kubernetes schemas without a cluster.
import type { V1Container, V1Deployment, V1DeploymentStrategy, V1EnvVar } from '@kubernetes/client-node';
import type { DesiredState, Serving } from '../../spec/types.ts';
import { annotation, deploymentName, GATEWAY_NAME, label, modelLabels, RUNTIME_PORT, selectorLabels } from './names.ts';
import { routeSettings } from './route-settings.ts';
import { IMAGE_USER } from '../../build/containerfile.ts';

/** The uid Slipway's images run as (`USER` in the Containerfile it writes). */
const IMAGE_UID = Number(IMAGE_USER.split(':')[0]);

export type ModelDeploymentInput = {
  project: string;
  namespace: string;
  model: string;
  deploymentId: number;
  build: { number: number; key: string };
  /** The image reference, normally pinned by digest (see image.ts). */
  image: string;
  serving: Serving;
  servingHash: string;
  state: DesiredState;
  gitCommit: string | null;
  imagePullSecret: string | null;
  /** Seconds without progress before the rollout fails with ProgressDeadlineExceeded. */
  progressDeadlineSeconds: number;
  /** The immutable env Secret of this deployment's fromEnv values (env-secrets.ts), or null when it has none. */
  envSecret: string | null;
};

/** Seconds the startup probe lets a model load (large weights) before readiness counts: 2 s × 300. */
export const STARTUP_BUDGET_SECONDS = 600;

/** Time allowed on top of the startup budget to pull a large image onto a node. */
export const PULL_ALLOWANCE_SECONDS = 300;

/**
 * The Deployment's progress deadline: never shorter than the startup budget plus the pull
 * allowance, or a slow-loading model would be recorded as failed while Kubernetes goes on rolling
 * it out.
 */
export function progressDeadlineFor(configured: number): number {
  return Math.max(configured, STARTUP_BUDGET_SECONDS + PULL_ALLOWANCE_SECONDS + 60);
}

/** Seconds a terminating replica waits before it stops: endpoints are removed meanwhile. */
export const PRE_STOP_SECONDS = 5;

/**
 * The Deployment of one deployment of a model, `slipway-<model>-d<id>`: its selector and pods carry
 * the deployment id, so the gateway tells its pods from the previous deployment's under the one
 * Service. Slipway's annotations, RollingUpdate with
 * `maxUnavailable: 0` (or Recreate when the model declares it), probes on the runtime's `/ready`,
 * env with fromEnv values taken from the model's env Secret, and 0 replicas when stopped.
 */
export function modelDeployment(input: ModelDeploymentInput): V1Deployment {
  const { model, serving } = input;
  const id = { [label.deploymentId]: String(input.deploymentId) };
  const labels = { ...modelLabels(input.project, model), [label.version]: String(input.build.number), ...id };
  const annotations: Record<string, string> = {
    [annotation.buildNumber]: String(input.build.number),
    [annotation.buildKey]: input.build.key,
    [annotation.deploymentId]: String(input.deploymentId),
    [annotation.servingHash]: input.servingHash,
    [annotation.state]: input.state,
    [annotation.route]: JSON.stringify(routeSettings({ deploymentId: input.deploymentId, build: input.build.number, state: input.state, serving })),
  };
  if (input.gitCommit !== null) annotations[annotation.gitCommit] = input.gitCommit;
  const env = containerEnv(input);
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: deploymentName(model, input.deploymentId), namespace: input.namespace, labels, annotations },
    spec: {
      replicas: input.state === 'stopped' ? 0 : serving.replicas,
      selector: { matchLabels: { ...selectorLabels(model), ...id } },
      strategy: strategy(serving),
      progressDeadlineSeconds: progressDeadlineFor(input.progressDeadlineSeconds),
      revisionHistoryLimit: 5,
      template: {
        // Changed secret values come in a Secret with another name: the template changes and the pods roll.
        metadata: { labels },
        spec: {
          // Model code has no business with the Kubernetes API.
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          terminationGracePeriodSeconds: Math.ceil(serving.timeoutSeconds) + PRE_STOP_SECONDS + 10,
          ...(input.imagePullSecret ? { imagePullSecrets: [{ name: input.imagePullSecret }] } : {}),
          // The Pod Security "restricted" profile (https://kubernetes.io/docs/concepts/security/pod-security-standards/):
          // the image's own non-root user (IMAGE_USER), the runtime's default seccomp profile.
          securityContext: { runAsNonRoot: true, runAsUser: IMAGE_UID, seccompProfile: { type: 'RuntimeDefault' } },
          // The root filesystem is read-only: a model writes scratch files to /tmp only.
          volumes: [{ name: 'tmp', emptyDir: {} }],
          containers: [container(input.image, env, serving)],
          // GPU nodes usually carry the NVIDIA device plugin's taint; only pods asking for a GPU tolerate it.
          ...(serving.resources.gpu > 0 ? { tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }] } : {}),
        },
      },
    },
  };
}

function strategy(serving: Serving): V1DeploymentStrategy {
  if (serving.rollout === 'recreate') return { type: 'Recreate' };
  // New replicas become ready before any old one stops, so a redeploy never drops capacity.
  return { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: '25%' } };
}

function container(image: string, env: V1EnvVar[], serving: Serving): V1Container {
  const requests: Record<string, string> = {};
  const limits: Record<string, string> = {};
  if (serving.resources.cpu !== null) requests.cpu = serving.resources.cpu;
  if (serving.resources.memory !== null) {
    requests.memory = serving.resources.memory;
    limits.memory = serving.resources.memory;
  }
  if (serving.resources.gpu > 0) limits['nvidia.com/gpu'] = String(serving.resources.gpu);
  const ready = { httpGet: { path: '/ready', port: 'http' } };
  return {
    name: 'model',
    image,
    ports: [{ name: 'http', containerPort: RUNTIME_PORT, protocol: 'TCP' }],
    env,
    resources: { ...(Object.keys(requests).length ? { requests } : {}), ...(Object.keys(limits).length ? { limits } : {}) },
    // Importing a model can take minutes (large weights): up to 10 minutes before readiness counts.
    startupProbe: { ...ready, periodSeconds: 2, failureThreshold: STARTUP_BUDGET_SECONDS / 2, timeoutSeconds: 2 },
    // A replica serving one call at a time answers /ready after the call in flight, so the probe
    // waits as long as a call may run: a long call must not take the pod out of its Service.
    readinessProbe: { ...ready, periodSeconds: 5, failureThreshold: 2, timeoutSeconds: Math.ceil(serving.timeoutSeconds) + 2 },
    // Slipway's images are Debian-based and have /bin/sleep; the kubelet's own `sleep` action needs
    // Kubernetes 1.30 or later, so the exec form works on every supported cluster.
    lifecycle: { preStop: { exec: { command: ['sleep', String(PRE_STOP_SECONDS)] } } },
    securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
    volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
  };
}

/** Slipway's variables, then the model's: literals inline, fromEnv values from the env Secret. */
function containerEnv(input: ModelDeploymentInput): V1EnvVar[] {
  const env: V1EnvVar[] = [
    { name: 'SLIPWAY_REPLICA_ID', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
    { name: 'SLIPWAY_CONCURRENCY', value: String(input.serving.concurrency) },
    { name: 'SLIPWAY_GATEWAY_URL', value: `http://${GATEWAY_NAME}.${input.namespace}.svc` },
    // Pods are reachable from other pods: the runtime refuses larger bodies itself.
    { name: 'SLIPWAY_MAX_REQUEST_BYTES', value: String(input.serving.maxRequestBytes) },
    { name: 'PYTHONUNBUFFERED', value: '1' },
    // The only writable place (the root filesystem is read-only): caches that default to ~ land here.
    { name: 'HOME', value: '/tmp' },
  ];
  const own = new Set(env.map((e) => e.name));
  for (const [name, value] of Object.entries(input.serving.env)) {
    if (own.has(name)) env.splice(env.findIndex((e) => e.name === name), 1);
    env.push('value' in value
      ? { name, value: value.value }
      : { name, valueFrom: { secretKeyRef: { name: input.envSecret!, key: name } } });
  }
  return env;
}

