// The shape of models.yaml once it has passed the schema: what was written, before defaults.
import type { RawEnvValue } from './merge-env.ts';
import type { DesiredState, Rollout, Runtime } from './types.ts';

export type RawResources = { cpu?: string | number; memory?: string | number; gpu?: number };

/** Serving settings a model may set and `defaults` may provide. */
export type RawServing = {
  runtime?: Runtime;
  replicas?: number;
  resources?: RawResources;
  concurrency?: number;
  timeoutSeconds?: number;
  busyTimeoutSeconds?: number;
  auth?: boolean;
  /** A string in defaults; a model may also write a progressive rollout mapping (rollout-policy.ts). */
  rollout?: Rollout | Record<string, unknown>;
};

export type RawExample = { input: unknown; output?: unknown; tolerance?: number };

export type RawBuild = {
  context?: string;
  include?: string[];
  requirements?: string | false;
  script?: string | false;
  baseImage?: string;
  python?: string;
};

export type RawModel = RawServing & {
  name: string;
  description?: string;
  file: string;
  function: string;
  example?: RawExample;
  examples?: RawExample[];
  env?: Record<string, RawEnvValue>;
  build?: RawBuild;
  state?: DesiredState;
  gate?: boolean;
  schema?: { input?: Record<string, unknown>; output?: Record<string, unknown> };
  validateInput?: boolean;
  sandbox?: { network?: boolean; paths?: string[] };
  capture?: { sample: number; maxPerDay?: number; retentionDays?: number; redact?: string[] };
  replay?: string;
  diff?: { maxChanged?: number; tolerance?: number };
  latencyBudget?: { p95?: string; maxSlowdown?: number };
};

export type RawSecretRef = { fromEnv: string };

/** A target as written; which keys are allowed depends on `backend` (see targets.ts). */
export type RawTarget = {
  backend: 'local' | 'kubernetes';
  context?: string;
  namespace?: string;
  registry?: string;
  insecureRegistry?: boolean;
  buildCache?: string;
  registryCredentials?: { username: RawSecretRef; password: RawSecretRef };
  imagePullSecret?: string;
  rolloutTimeoutSeconds?: number;
  lockTimeoutSeconds?: number;
  gateway?: { image?: string; replicas?: number; serviceType?: 'ClusterIP' | 'NodePort' | 'LoadBalancer' };
  metricsStore?: { size?: string; storageClass?: string; postgres?: { urlFromEnv: string } };
  follow?: { branch: string; interval?: string };
};

export type RawSpec = {
  version: 1;
  project?: string;
  env?: Record<string, RawEnvValue>;
  defaults?: RawServing;
  limits?: { maxReplicas?: number; maxRequestBytes?: number };
  targets?: Record<string, RawTarget>;
  models: RawModel[];
};

/** Limits when models.yaml does not set them (CML's: 9 replicas, 5 MB requests). */
export const defaultLimits = { maxReplicas: 9, maxRequestBytes: 5 * 1024 * 1024 } as const;

/** The highest `limits.maxReplicas` allowed. */
export const replicaCeiling = 199;
