// One change of a plan carried out on the cluster, blue/green (serving-switch.ts): records the
// build, makes sure the model has an access key, deletes the Deployments the last apply retired,
// server-side applies its Secrets, a Deployment of this deployment id and the Service, creates the
// deployment's create-only record, follows the rollout, runs the examples on the new pods through
// the API server's pod proxy, and only when they pass moves traffic with one annotation write on
// the Service; then the previous Deployment is scaled to 0. A failed rollout or example leaves the
// previous Deployment serving. `rollout: recreate` stops the previous one first and is not gated.
import type { V1Deployment, V1Secret } from '@kubernetes/client-node';
import type { DeployOptions, DeployResult, StartedRollout } from '../backend.ts';
import type { TestResult } from '../../apply/test-calls.ts';
import { recordAccessKeyHash } from './access-key-index.ts';
import type { Change } from '../../plan/types.ts';
import { servingHash } from '../../plan/serving-hash.ts';
import type { StoredBuild } from '../../store/builds.ts';
import { newAccessKey } from '../../keys/access-keys.ts';
import { resolveEnv } from '../local/resolve-env.ts';
import { imageFor } from './image.ts';
import { RESERVED_MODEL_NAMES } from '../../spec/model-name.ts';
import { KubeApiError, type KubeApi } from './kube-api.ts';
import { modelDeployment } from './model-deployment.ts';
import { accessKeySecret } from './model-secrets.ts';
import { collectEnvSecrets, ensureEnvSecret, secretsOf } from './env-secrets.ts';
import { modelService } from './model-service.ts';
import { accessKeySecretName, annotation, deploymentName, historyName, label, MAX_MODEL_NAME, workloadName } from './names.ts';
import { podGateCaller } from './pod-gate-caller.ts';
import { assertGatewaySelectsById } from './gateway-compat.ts';
import { readService, removeRetired, scaleDownOthers, switchTraffic } from './serving-switch.ts';
import { deploymentRecordConfigMap, parseBuildRecord, type DeploymentRecord } from './records.ts';
import { createBuildRecord } from './build-record-parts.ts';
import { lastApplied, readClusterState } from './observe.ts';
import { RolloutError, waitForRollout } from './rollout.ts';
import { settleRolloutOutcome, startClusterRollout, supersedeClusterRollout } from './cluster-rollout-apply.ts';

const deploymentRef = (model: string, id: number) => ({ apiVersion: 'apps/v1', kind: 'Deployment', name: deploymentName(model, id) });

export type DeployContext = {
  api: KubeApi;
  project: string;
  registry: string;
  imagePullSecret: string | null;
  progressDeadlineSeconds: number;
  rolloutTimeoutMs: number;
  /** Where fromEnv values are read. */
  env: Record<string, string | undefined>;
  gitCommit: string | null;
  actor: string;
  log: (line: string) => void;
};

/** Deploys `change` with `build`; the caller holds the apply lock. Returns the new deployment id, and the gate's results when it ran. */
export async function deployModel(ctx: DeployContext, change: Change, build: StoredBuild, options: DeployOptions = {}): Promise<DeployResult> {
  const { api } = ctx;
  const model = change.model;
  const desired = change.desired;
  if (!desired) throw new Error(`${change.action} of ${model} has no declared model`);
  if (model.length > MAX_MODEL_NAME) {
    throw new Error(`model name "${model}" is ${model.length} characters; on Kubernetes at most ${MAX_MODEL_NAME} fit (its Service is slipway-<model>, at most 63): rename it`);
  }
  if (RESERVED_MODEL_NAMES.includes(model)) {
    throw new Error(`model name "${model}" is reserved: its objects would be named ${workloadName(model)}, as one of Slipway's own; rename the model`);
  }
  const env = resolveEnv(desired.serving.env, ctx.env);
  if (!env.ok) throw new Error(`fromEnv variables not set: ${env.missing.join(', ')} (export them before apply)`);
  const owner = { project: ctx.project, namespace: api.namespace, model };

  await assertGatewaySelectsById(api, ctx.log);
  const state = await readClusterState(api);
  const id = state.highestId + 1;
  const image = imageFor(build, ctx.registry);
  await recordBuild(ctx, build, image);
  await ensureAccessKey(ctx, owner);
  // A rollout the gateway ended is written into the records; one still running is superseded.
  await settleRolloutOutcome(api, model, await readService(api, model));
  const superseded = await supersedeClusterRollout(api, model, id);
  if (superseded !== null) ctx.log(superseded);
  const retired = await removeRetired(api, model);
  if (retired.length > 0) ctx.log(`${model}: deleted Deployments of earlier deployments: ${retired.join(', ')}`);
  const name = deploymentName(model, id);
  const recreate = desired.serving.rollout === 'recreate';
  if (recreate) {
    const stopped = await scaleDownOthers(api, model, name);
    if (stopped.length > 0) ctx.log(`${model}: rollout recreate: ${stopped.join(', ')} scaled to 0 before the new deployment starts`);
  }

  const secretNames = Object.entries(desired.serving.env).filter(([, v]) => 'fromEnv' in v).map(([name]) => name);
  // A new immutable Secret per content: the one old pods read stays as it is until nothing uses it.
  const envSecret = secretNames.length > 0
    ? await ensureEnvSecret(api, owner, Object.fromEntries(secretNames.map((name) => [name, env.env[name]!])))
    : null;

  const hash = servingHash(desired.serving);
  const manifest = modelDeployment({
    ...owner,
    deploymentId: id,
    build: { number: build.number, key: build.key },
    image,
    serving: desired.serving,
    servingHash: hash,
    state: desired.state,
    gitCommit: build.gitCommit ?? ctx.gitCommit,
    imagePullSecret: ctx.imagePullSecret,
    progressDeadlineSeconds: ctx.progressDeadlineSeconds,
    envSecret,
  });
  // A new Deployment per deployment id: changes made by hand to an earlier one (kubectl set env...)
  // cannot carry over, so a repair needs no undo of other managers' fields.
  await api.apply<V1Deployment>(manifest);
  await api.apply(modelService(owner));

  const record: DeploymentRecord = {
    id,
    model,
    build: build.number,
    buildKey: build.key,
    image,
    serving: desired.serving,
    servingHash: hash,
    state: desired.state,
    action: change.action,
    reasons: change.reasons,
    gitCommit: build.gitCommit ?? ctx.gitCommit,
    actor: ctx.actor,
    createdAt: new Date().toISOString(),
    envSecrets: [...secretsOf(manifest.spec?.template)],
  };
  try {
    await api.create(deploymentRecordConfigMap(api.namespace, record));
  } catch (error) {
    if (error instanceof KubeApiError && error.status === 409) {
      throw new Error(`deployment record ${historyName(model, id)} already exists: another apply used deployment id ${id} (it did not hold the apply lock); plan and apply again`);
    }
    throw error;
  }
  ctx.log(`${model}: deployment #${id} applied as Deployment ${name} (build #${build.number}, ${image}); waiting for the rollout`);
  try {
    try {
      await waitForRollout(api, name, { model, timeoutMs: ctx.rolloutTimeoutMs, log: ctx.log, recreate });
    } catch (error) {
      if (error instanceof RolloutError) await markFailed(api, model, id);
      throw error;
    }
    const gate = options.gate && !recreate && desired.state === 'running' ? await runGate(ctx, model, id, desired.serving.timeoutSeconds, options.gate) : null;
    if (gate !== null && !gate.passed) {
      // The new pods never took traffic: they go, the record keeps what they answered.
      await api.remove(deploymentRef(model, id));
      await markFailed(api, model, id, gate.tests);
      ctx.log(`${model}: deployment #${id} failed its examples; Deployment ${name} deleted, traffic stays where it was`);
      return { deploymentId: id, gate };
    }
    if (options.signal?.aborted) {
      await api.remove(deploymentRef(model, id));
      await markFailed(api, model, id);
      options.signal.throwIfAborted();
    }
    // Kept with the record, as a failed gate's results are, so history shows what passed.
    if (gate !== null) await recordGate(api, model, id, gate.tests);
    if (desired.rolloutPolicy && desired.state === 'running' && !recreate) {
      const rollout = await startClusterRollout(api, model, desired.rolloutPolicy, { id, build: build.number });
      if (rollout.started) {
        ctx.log(rollout.line);
        const { strategy } = desired.rolloutPolicy;
        const started: StartedRollout = strategy === 'canary' ? { strategy, weight: desired.rolloutPolicy.steps[0]! } : { strategy };
        return gate === null ? { deploymentId: id, rollout: started } : { deploymentId: id, gate, rollout: started };
      }
      ctx.log(`${model}: rollout ${desired.rolloutPolicy.strategy} not started (${rollout.why}); traffic moves blue/green`);
    }
    await switchTraffic(api, model, id);
    const scaled = await scaleDownOthers(api, model, name);
    ctx.log(`${model}: traffic on deployment #${id}${scaled.length > 0 ? `; ${scaled.join(', ')} scaled to 0 (deleted at the next apply)` : ''}`);
    return gate === null ? { deploymentId: id } : { deploymentId: id, gate };
  } finally {
    await collectUnusedEnvSecrets(ctx, model, secretsOf(manifest.spec?.template));
  }
}

/** Runs the examples on deployment `id`'s ready pods, through the API server's pod proxy. */
async function runGate(ctx: DeployContext, model: string, id: number, timeoutSeconds: number, gate: NonNullable<DeployOptions['gate']>): Promise<{ tests: TestResult[]; passed: boolean }> {
  const caller = await podGateCaller(ctx.api, model, id, timeoutSeconds * 1000);
  try {
    ctx.log(`${model}: calling the examples on deployment #${id}'s pods before it takes traffic`);
    const tests = await gate(caller.call);
    return { tests, passed: tests.every((t) => t.pass) };
  } finally {
    await caller.close();
  }
}

/**
 * Deletes env Secrets no ReplicaSet with pods and no deployment that may serve still reads: this
 * one's, and the last one that did not fail. A failure here is logged, never fatal.
 */
async function collectUnusedEnvSecrets(ctx: DeployContext, model: string, current: Set<string>): Promise<void> {
  try {
    const state = await readClusterState(ctx.api);
    const serving = lastApplied(state, model);
    const keep = new Set(current);
    if (serving) for (const name of serving.envSecrets ?? []) keep.add(name);
    const deleted = await collectEnvSecrets(ctx.api, model, keep);
    if (deleted.length > 0) ctx.log(`${model}: deleted env Secrets no deployment uses any more: ${deleted.join(', ')}`);
  } catch (error) {
    ctx.log(`${model}: could not collect old env Secrets (${(error as Error).message}); the next apply tries again`);
  }
}

/** Creates the build's record once; a record with the same number and another key is refused. */
async function recordBuild(ctx: DeployContext, build: StoredBuild, image: string): Promise<void> {
  const { api } = ctx;
  try {
    await createBuildRecord(api, {
      model: build.model,
      number: build.number,
      key: build.key,
      inputs: build.inputs,
      artifact: build.artifact ?? image,
      digest: build.digest,
      gitCommit: build.gitCommit,
      createdAt: build.finishedAt ?? new Date().toISOString(),
    });
  } catch (error) {
    if (!(error instanceof KubeApiError && error.status === 409)) throw error;
    const existing = await api.read({ apiVersion: 'v1', kind: 'ConfigMap', name: `slipway-${build.model}-b${build.number}` });
    const record = existing && parseBuildRecord(existing);
    if (record?.key !== build.key) {
      throw new Error(`the cluster already records build #${build.number} of ${build.model} with key ${record?.key.slice(0, 12) ?? '(unreadable)'}, not ${build.key.slice(0, 12)}: build numbers must come from the cluster's records (plan against this target again)`);
    }
  }
}

/** Gives the model an access key on its first deployment (an existing key is kept), and indexes its hash for the gateway. */
async function ensureAccessKey(ctx: DeployContext, owner: { project: string; namespace: string; model: string }): Promise<void> {
  const ref = { apiVersion: 'v1', kind: 'Secret', name: accessKeySecretName(owner.model) };
  let secret = await ctx.api.read<V1Secret>(ref);
  if (secret === null) {
    try {
      secret = await ctx.api.create(accessKeySecret(owner, newAccessKey()));
      ctx.log(`${owner.model}: new access key in Secret ${ref.name} (kubectl -n ${owner.namespace} get secret ${ref.name} -o jsonpath='{.data.accessKey}' | base64 -d)`);
    } catch (error) {
      if (!(error instanceof KubeApiError && error.status === 409)) throw error;
      secret = await ctx.api.read<V1Secret>(ref);
    }
  }
  const hash = secret?.data?.accessKeySha256;
  if (hash) await recordAccessKeyHash(ctx.api, owner.model, Buffer.from(hash, 'base64').toString('utf8'));
}

/**
 * Marks a deployment record as failed, so observe() reports the one before it as applied; with the
 * examples' results when they failed it (an annotation: the record's data is immutable).
 */
async function markFailed(api: KubeApi, model: string, id: number, tests?: TestResult[]): Promise<void> {
  await api.mergePatch({ apiVersion: 'v1', kind: 'ConfigMap', name: historyName(model, id) }, {
    metadata: { labels: { [label.outcome]: 'failed' }, ...(tests ? { annotations: gateAnnotation(tests) } : {}) },
  });
}

/** Adds the examples' results of a deployment that passed its gate to its record. */
async function recordGate(api: KubeApi, model: string, id: number, tests: TestResult[]): Promise<void> {
  await api.mergePatch({ apiVersion: 'v1', kind: 'ConfigMap', name: historyName(model, id) }, { metadata: { annotations: gateAnnotation(tests) } });
}

function gateAnnotation(tests: TestResult[]): Record<string, string> {
  const results = tests.map((t) => ({ index: t.index, pass: t.pass, detail: t.detail, latencyMs: Math.round(t.latencyMs) }));
  return { [annotation.gateResults]: JSON.stringify(results) };
}
