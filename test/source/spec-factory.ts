// Specs written by hand for source tests: plain objects of the Spec type, with defaults a test
// overrides field by field.
import type { ModelSpec, Spec } from '../../src/spec/types.ts';

type ModelOverrides = Partial<Omit<ModelSpec, 'build' | 'serving'>> & {
  build?: Partial<ModelSpec['build']>;
  serving?: Partial<ModelSpec['serving']>;
};

/** A model whose build context is `folder`, entry `folder/predict.py`, function `predict`. */
export function model(name: string, folder: string, overrides: ModelOverrides = {}): ModelSpec {
  return {
    name,
    description: `${name} model`,
    file: `${folder}/predict.py`,
    function: 'predict',
    runtime: 'python3',
    examples: [{ input: { x: 1 }, output: 2 }],
    state: 'running',
    position: { line: 1, column: 1 },
    ...overrides,
    build: { context: folder, include: [], requirements: null, script: null, baseImage: null, ...overrides.build },
    serving: {
      replicas: 1,
      resources: { cpu: null, memory: null, gpu: 0 },
      env: {},
      concurrency: 1,
      timeoutSeconds: 30,
      busyTimeoutSeconds: 30,
      auth: true,
      maxRequestBytes: 5 * 1024 * 1024,
      ...overrides.serving,
    },
  };
}

export function spec(root: string, models: ModelSpec[]): Spec {
  return {
    root,
    file: 'models.yaml',
    version: 1,
    project: 'test',
    limits: { maxReplicas: 9, maxRequestBytes: 5 * 1024 * 1024 },
    models,
  };
}
