// Plain-data builders for plan tests: a model `m` lives in `models/m/` with `predict.py`, and a
// build key is derived from its inputs, so equal inputs give equal keys as in the real thing.
import { createHash } from 'node:crypto';
import type { ModelSpec, Serving, Spec } from '../../src/spec/types.ts';
import type { BuildKey, BuildKeys, KeyInputs } from '../../src/source/types.ts';
import { servingHash } from '../../src/plan/serving-hash.ts';
import type {
  AppliedDeployment,
  BuildStatus,
  LiveState,
  Observed,
  ObservedBuild,
  ObservedModel,
} from '../../src/plan/types.ts';

export function serving(overrides: Partial<Serving> = {}): Serving {
  return {
    replicas: 1,
    resources: { cpu: '1', memory: '1Gi', gpu: 0 },
    env: {},
    concurrency: 1,
    timeoutSeconds: 30,
    busyTimeoutSeconds: 30,
    auth: true,
    maxRequestBytes: 5 * 1024 * 1024,
    ...overrides,
  };
}

export function model(
  name: string,
  overrides: { serving?: Partial<Serving>; state?: ModelSpec['state']; context?: string } = {},
): ModelSpec {
  return {
    name,
    description: '',
    file: `models/${name}/predict.py`,
    function: 'predict',
    runtime: 'python3',
    examples: [],
    build: {
      context: overrides.context ?? `models/${name}`,
      include: [],
      requirements: null,
      script: null,
      baseImage: null,
    },
    serving: serving(overrides.serving),
    state: overrides.state ?? 'running',
    position: { line: 1, column: 1 },
  };
}

export function spec(...models: ModelSpec[]): Spec {
  return {
    root: '/repo',
    file: 'models.yaml',
    version: 1,
    project: 'test',
    limits: { maxReplicas: 9, maxRequestBytes: 5 * 1024 * 1024 },
    models,
  };
}

/** Key inputs of model `name` from `files`: paths relative to the repository root, to blob ids. */
export function inputs(
  name: string,
  files: Record<string, string> = { [`models/${name}/predict.py`]: 'blob-1' },
  overrides: Partial<Omit<KeyInputs, 'files'>> = {},
): KeyInputs {
  const entries = Object.entries(files)
    .map(([path, blob]) => ({ path, blob }))
    .sort((a, b) => (a.path < b.path ? -1 : 1));
  const requirements = entries.find((entry) => entry.path.endsWith('requirements.txt')) ?? null;
  return {
    files: entries,
    requirements,
    script: null,
    file: `models/${name}/predict.py`,
    function: 'predict',
    runtime: 'python3',
    baseImage: null,
    defaultBaseImage: null,
    runtimeVersion: '1',
    ...overrides,
  };
}

export function key(keyInputs: KeyInputs): BuildKey {
  return { key: createHash('sha256').update(JSON.stringify(keyInputs)).digest('hex'), inputs: keyInputs };
}

export function keys(...entries: [string, KeyInputs][]): BuildKeys {
  return Object.fromEntries(entries.map(([name, keyInputs]) => [name, key(keyInputs)]));
}

export function build(number: number, keyInputs: KeyInputs, status: BuildStatus = 'succeeded'): ObservedBuild {
  return { number, key: key(keyInputs).key, inputs: keyInputs, status };
}

export function applied(
  id: number,
  buildNumber: number,
  settings: Serving = serving(),
  state: AppliedDeployment['state'] = 'running',
): AppliedDeployment {
  return { id, build: buildNumber, serving: settings, servingHash: servingHash(settings), state };
}

/** Live state that matches `deployment` exactly; override fields to make drift. */
export function liveOf(deployment: AppliedDeployment, overrides: Partial<LiveState> = {}): LiveState {
  const running = deployment.state === 'running';
  return {
    state: deployment.state,
    replicas: running ? deployment.serving.replicas : 0,
    readyReplicas: running ? deployment.serving.replicas : 0,
    deploymentId: deployment.id,
    servingHash: deployment.servingHash,
    ...overrides,
  };
}

export function observedModel(
  name: string,
  fields: Partial<Omit<ObservedModel, 'name'>> = {},
): ObservedModel {
  return { name, builds: [], deployment: null, deleted: false, live: null, ...fields };
}

export function observed(...models: ObservedModel[]): Observed {
  return { models };
}
