// The kubernetes backend: models run as Deployments in one namespace, driven through the API with
// server-side apply; the cluster holds the history, so observe() needs no local store. Mutations
// hold the apply lock (a Lease); wrap observe → plan → apply in `withLock` to keep them together.
import { hostname, userInfo } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Backend } from '../backend.ts';
import type { Observed } from '../../plan/types.ts';
import { acquireApplyLock, type ApplyLock } from './apply-lock.ts';
import { deployModel } from './deploy-model.ts';
import { progressDeadlineFor } from './model-deployment.ts';
import { lockGuardedApi } from './lock-guarded-api.ts';
import { createKubeApi, loadKubeConfig, namespaceOf, type KubeApi, type KubeConfigOptions } from './kube-api.ts';
import { pullSecret } from './model-secrets.ts';
import { removeEnvSecrets } from './env-secrets.ts';
import { forgetAccessKeyHash } from './access-key-index.ts';
import { accessKeySecretName, annotation, historyName, label, workloadName } from './names.ts';
import { modelDeployments, readService, removeAllDeployments, servingDeployment } from './serving-switch.ts';
import { DELETED_AT, readClusterState, toObserved, type ClusterState } from './observe.ts';
import { endClusterRollout } from './cluster-rollout-apply.ts';

export type KubernetesBackendOptions = KubeConfigOptions & {
  /** Namespace of the models; default: the context's, else `default`. */
  namespace?: string | null;
  /** models.yaml's project, for the `app.kubernetes.io/part-of` label. */
  project: string;
  /** Image repository prefix for builds whose artifact is not an image reference. */
  registry: string;
  /** The dockerconfigjson Secret pods pull with. */
  imagePullSecret?: string | null;
  /** When given with imagePullSecret, that Secret is applied from them before each deploy. */
  pullCredentials?: { username: string; password: string } | null;
  /** The Deployments' progressDeadlineSeconds; raised to the startup budget plus a pull allowance (960 s) when lower. */
  progressDeadlineSeconds?: number;
  /** How long deploy() waits for a rollout in all. Default: the deadline plus a minute. */
  rolloutTimeoutMs?: number;
  lock?: { holder?: string; durationSeconds?: number; timeoutMs?: number; pollMs?: number; now?: () => number };
  /** Where fromEnv values are read. Default process.env. */
  env?: Record<string, string | undefined>;
  gitCommit?: string | null;
  /** Who applies, for the records. Default: the user name. */
  actor?: string;
  log?: (line: string) => void;
};

export type KubernetesBackend = Backend & {
  readonly namespace: string;
  /** The repository applies push to and deploy from (candidates go to their own, see image.ts). */
  readonly registry: string;
  readonly api: KubeApi;
  /** Runs `fn` holding the apply lock (re-entrant: deploy/stop/delete inside reuse it). */
  withLock<T>(fn: () => Promise<T>): Promise<T>;
  /** Records and live Deployments as read from the cluster. */
  readState(): Promise<ClusterState>;
};

/** A kubernetes backend for the cluster and namespace the options name. */
export function createKubernetesBackend(opts: KubernetesBackendOptions): KubernetesBackend {
  const kc = loadKubeConfig(opts);
  const namespace = namespaceOf(kc, opts.namespace);
  const reader = createKubeApi(kc, namespace);
  // Writes happen only while this apply holds the lock; the lock itself renews through `reader`.
  const api = lockGuardedApi(reader, async () => {
    await held?.lock.assertHeld();
  });
  const log = opts.log ?? (() => {});
  const progressDeadlineSeconds = progressDeadlineFor(opts.progressDeadlineSeconds ?? 0);
  const holder = opts.lock?.holder ?? `${safeUser()}@${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  let held: { lock: ApplyLock; depth: number } | null = null;
  let acquiring: Promise<ApplyLock> | null = null;

  async function withLock<T>(fn: () => Promise<T>): Promise<T> {
    if (held) {
      held.depth++;
    } else {
      acquiring ??= acquireApplyLock(reader, {
        holder,
        durationSeconds: opts.lock?.durationSeconds ?? 30,
        timeoutMs: opts.lock?.timeoutMs ?? 300_000,
        pollMs: opts.lock?.pollMs,
        now: opts.lock?.now,
        log,
      }).finally(() => {
        acquiring = null;
      });
      const lock = await acquiring;
      if (held) (held as { depth: number }).depth++;
      else held = { lock, depth: 1 };
    }
    try {
      return await fn();
    } finally {
      const current = held!;
      current.depth--;
      if (current.depth === 0) {
        held = null;
        await current.lock.release();
      }
    }
  }

  return {
    name: 'kubernetes',
    namespace,
    registry: opts.registry,
    api,
    withLock,
    readState: () => readClusterState(api),
    async observe(): Promise<Observed> {
      return toObserved(await readClusterState(api), opts.registry);
    },
    deploy: (change, build, options) =>
      withLock(async () => {
        // Once manifests are applied the cluster rolls out on its own; a cancel is honoured before.
        options?.signal?.throwIfAborted();
        if (opts.imagePullSecret && opts.pullCredentials) {
          await api.apply(pullSecret({ namespace, name: opts.imagePullSecret, registry: opts.registry, ...opts.pullCredentials }));
        }
        return deployModel({
          api,
          project: opts.project,
          registry: opts.registry,
          imagePullSecret: opts.imagePullSecret ?? null,
          progressDeadlineSeconds,
          rolloutTimeoutMs: opts.rolloutTimeoutMs ?? progressDeadlineSeconds * 1000 + 60_000,
          env: opts.env ?? process.env,
          gitCommit: opts.gitCommit ?? null,
          actor: opts.actor ?? safeUser(),
          log,
        }, change, build, options);
      }),
    // By hand: the record still says running, so the next plan shows `repair` (as locally).
    stop: (model) =>
      withLock(async () => {
        const ended = await endClusterRollout(api, model, 'the model was stopped (slipway stop)');
        if (ended !== null) log(ended);
        const current = servingDeployment(model, await readService(api, model), await modelDeployments(api, model));
        if (current === undefined) throw new Error(`${model} has no Deployment serving it in namespace ${namespace}; nothing to stop`);
        const ref = { apiVersion: 'apps/v1', kind: 'Deployment', name: current.metadata!.name! };
        await api.mergePatch(ref, { metadata: { annotations: { [annotation.state]: 'stopped' } }, spec: { replicas: 0 } });
        log(`${model}: ${ref.name} scaled to 0`);
      }),
    delete: (model) =>
      withLock(async () => {
        const ended = await endClusterRollout(api, model, 'the model was deleted');
        if (ended !== null) log(ended);
        await removeAllDeployments(api, model);
        await api.remove({ apiVersion: 'v1', kind: 'Service', name: workloadName(model) });
        await removeEnvSecrets(api, model);
        await api.remove({ apiVersion: 'v1', kind: 'Secret', name: accessKeySecretName(model) });
        await forgetAccessKeyHash(api, model);
        const state = await readClusterState(api);
        const last = state.history.get(model)?.at(-1);
        if (last) {
          await api.mergePatch({ apiVersion: 'v1', kind: 'ConfigMap', name: historyName(model, last.record.id) }, { metadata: { labels: { [label.deleted]: 'true' }, annotations: { [DELETED_AT]: new Date().toISOString() } } });
        }
        log(`${model}: Deployment, Service and Secrets deleted; history kept`);
      }),
  };
}

function safeUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? 'slipway';
  }
}
