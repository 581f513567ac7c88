// Plain inputs for manifest tests: a model with every kind of setting, and its build.
import type { ModelDeploymentInput } from '../../src/backends/kubernetes/model-deployment.ts';
import type { Serving } from '../../src/spec/types.ts';

export function servingWith(overrides: Partial<Serving> = {}): Serving {
  return {
    replicas: 2,
    resources: { cpu: '500m', memory: '1Gi', gpu: 0 },
    env: { THRESHOLD: { value: '0.5' }, DB_PASSWORD: { fromEnv: 'IRIS_DB_PASSWORD', digest: 'd1' } },
    concurrency: 2,
    timeoutSeconds: 30,
    busyTimeoutSeconds: 10,
    auth: true,
    maxRequestBytes: 5 * 1024 * 1024,
    ...overrides,
  };
}

export function deploymentInput(overrides: Partial<ModelDeploymentInput> = {}): ModelDeploymentInput {
  return {
    project: 'demo',
    namespace: 'models',
    model: 'iris',
    deploymentId: 7,
    build: { number: 3, key: 'a'.repeat(64) },
    image: `registry.example.com/ml/iris@sha256:${'b'.repeat(64)}`,
    serving: servingWith(),
    servingHash: 'c'.repeat(64),
    state: 'running',
    gitCommit: 'd'.repeat(40),
    imagePullSecret: 'registry-pull',
    progressDeadlineSeconds: 600,
    envSecret: 'slipway-iris-env-0123456789',
    ...overrides,
  };
}
