// Shared by the kubernetes backend tests: a fake API server, a backend on it, and a `step` that
// does what `slipway apply` does — observe, plan, deploy each change with its build.
import { createHash } from 'node:crypto';
import { createKubernetesBackend, type KubernetesBackend, type KubernetesBackendOptions } from '../../src/backends/kubernetes/kubernetes-backend.ts';
import { plan } from '../../src/plan/plan.ts';
import type { Plan } from '../../src/plan/types.ts';
import type { BuildKeys } from '../../src/source/types.ts';
import type { Spec } from '../../src/spec/types.ts';
import type { StoredBuild } from '../../src/store/builds.ts';
import { startFakeKubeApiServer, type FakeKubeApiServer, type FakeOptions } from '../support/fake-kube-apiserver.ts';

export type Cluster = { fake: FakeKubeApiServer; backend: KubernetesBackend; logs: string[] };

export async function startCluster(namespace: string, overrides: Partial<KubernetesBackendOptions> = {}, fakeOptions: FakeOptions = {}): Promise<Cluster> {
  const fake = await startFakeKubeApiServer({ controllerStepMs: 5, ...fakeOptions });
  const logs: string[] = [];
  const backend = createKubernetesBackend({
    kubeConfig: fake.kubeConfig(namespace),
    project: 'demo',
    registry: 'registry.test/ml',
    env: { IRIS_DB_PASSWORD: 'pw-1' },
    lock: { durationSeconds: 5, timeoutMs: 5_000, pollMs: 10 },
    log: (line) => logs.push(line),
    ...overrides,
  });
  return { fake, backend, logs };
}

/** The build an image builder would have produced for `number` with `key`. */
export function imageBuild(model: string, number: number, keys: BuildKeys): StoredBuild {
  const key = keys[model];
  return {
    model,
    number,
    key: key.key,
    inputs: key.inputs,
    artifact: `registry.test/ml/${model}:${key.key}`,
    gitCommit: 'c0ffee',
    status: 'succeeded',
    logPath: null,
    errorTail: null,
    startedAt: '2024-01-01T00:00:00.000Z',
    finishedAt: '2024-01-01T00:01:00.000Z',
    digest: `sha256:${createHash('sha256').update(key.key).digest('hex')}`,
  };
}

/** observe → plan → apply every change, as `slipway apply` does; returns the plan. */
export async function step(backend: KubernetesBackend, spec: Spec, keys: BuildKeys): Promise<Plan> {
  return backend.withLock(async () => {
    const p = plan(spec, keys, await backend.observe());
    for (const change of p.changes) {
      if (change.action === 'noop') continue;
      if (change.action === 'delete') await backend.delete(change.model);
      else await backend.deploy(change, imageBuild(change.model, change.build!.number, keys));
    }
    return p;
  });
}

/** The one change of a single-model plan, without the declared model. */
export function only(p: Plan): { action: string; build: unknown; reasons: string[] } {
  const [change] = p.changes;
  return { action: change.action, build: change.build, reasons: change.reasons };
}
