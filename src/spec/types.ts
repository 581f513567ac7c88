// The desired state, as `models.yaml` declares it once defaults are applied and env is merged.
// Every path here is relative to the repository root, with forward slashes, so that it can be
// compared with git's view of the tree and is the same on every machine.

/** An environment value: a literal, or the name of a variable read from the environment at apply time. */
export type EnvValue =
  | { value: string }
  /** `digest` is an HMAC of the secret's value, set only when the variable is present; never the value. */
  | { fromEnv: string; digest?: string; allowEmpty?: true };

export type Example = { input: unknown; output?: unknown; tolerance?: number };

export type Resources = { cpu: string | null; memory: string | null; gpu: number };

export type BuildSettings = {
  /** Folder whose files make up the build; default: the folder of `file`. */
  context: string;
  /** More paths (files or folders) added to the build beside the context. */
  include: string[];
  /** The requirements file, or null when there is none. */
  requirements: string | null;
  /** The build script (`cdsw-build.sh` / `build.sh` by default when present), or null. */
  script: string | null;
  /** The image the model is built on (images only); null means the builder's default. */
  baseImage: string | null;
  /**
   * The Python interpreter to build and run with on this machine, as declared: a path, a command
   * or a version (see source/interpreter-keys.ts); null means `python3`.
   */
  python?: string | null;
};

export type Runtime = 'python3' | 'r';
/** How a new deployment replaces the running one on Kubernetes. */
export type Rollout = 'rolling' | 'recreate';
export type DesiredState = 'running' | 'stopped';

/** The settings a deployment runs with: changing them redeploys the same build. */
export type Serving = {
  replicas: number;
  resources: Resources;
  env: Record<string, EnvValue>;
  concurrency: number;
  timeoutSeconds: number;
  busyTimeoutSeconds: number;
  auth: boolean;
  maxRequestBytes: number;
  /**
   * Set only when declared `recreate`: absent means `rolling`, so the serving hashes of
   * deployments made before this setting existed stay the same.
   */
  rollout?: 'recreate';
  /**
   * Set only when declared (so older deployments hash the same): what the replicas' sandbox lets
   * them reach beyond the default. `network` absent: on when deployed, off as a candidate.
   */
  sandbox?: { network?: boolean; paths: string[] };
  /**
   * The model's contract (src/contract/): declared in models.yaml, else inferred from its
   * examples; absent when it has neither. Only `validateInput: true` makes it part of the serving
   * hash (see serving-hash.ts), so editing examples alone does not redeploy.
   */
  contract?: Contract;
};

/** JSON Schemas (draft 2020-12) of a model's request and answer. */
export type Contract = {
  input: { [key: string]: unknown };
  output: { [key: string]: unknown };
  /** Set when models.yaml declares `schema` (else the schemas were inferred from the examples). */
  declared?: true;
  /** Set when the gateway refuses requests that do not match `input`. */
  validateInput?: true;
};

/** What a model's live calls are captured with (models.yaml `capture`, defaults applied). */
export type CaptureSettings = {
  /** Share of calls captured, 0 to 1. */
  sample: number;
  maxPerDay: number;
  retentionDays: number;
  /** JSON pointers dropped from requests and answers before storing. */
  redact: string[];
};

/**
 * A progressive rollout on the local daemon (models.yaml `rollout: {strategy: …}`), defaults
 * applied. `maxP95Ms` null: latency is compared and shown, never a breach.
 */
export type RolloutPolicy =
  | { strategy: 'canary'; steps: number[]; intervalMs: number; maxErrorRate: number; maxP95Ms: number | null }
  | { strategy: 'shadow'; durationMs: number; maxErrorRate: number; maxP95Ms: number | null };

/** Where something was declared, for messages a person can jump to. */
export type Position = { line: number; column: number };

export type ModelSpec = {
  name: string;
  description: string;
  file: string;
  function: string;
  runtime: Runtime;
  examples: Example[];
  build: BuildSettings;
  serving: Serving;
  state: DesiredState;
  /**
   * `false`: a new deployment takes traffic before its examples run (as before examples gated
   * traffic). Absent: the examples must pass against the new replicas before the route moves.
   */
  gate?: false;
  /** Sampled capture of live calls (src/capture/); absent: off. Not part of serving: changing it redeploys nothing. */
  capture?: CaptureSettings;
  /** A JSONL replay set in the repository, relative to the repository root. */
  replay?: string;
  /** Canary or shadow before a new deployment takes all traffic (src/rollouts/); absent: switch at once. Not part of serving. */
  rolloutPolicy?: RolloutPolicy;
  /** The pull request's answer diff policy (src/diff/diff-policy.ts); absent: the diff is reported, never red. */
  diff?: { maxChanged?: number; tolerance?: number };
  /** The pull request's latency policy, p95 in milliseconds; absent: latency is reported, never red. */
  latencyBudget?: { p95Ms?: number; maxSlowdown?: number };
  /** Position of this model's entry in `models.yaml`. */
  position: Position;
};

export type Limits = { maxReplicas: number; maxRequestBytes: number };

/** A secret named in models.yaml and read from the environment when Slipway runs; never a value. */
export type SecretRef = { fromEnv: string };

/** This machine: the Slipway daemon; with `follow`, `slipway up --target` follows that branch. */
export type LocalTarget = { name: string; backend: 'local'; follow?: { branch: string; intervalMs: number } };

/** A Kubernetes cluster, driven through its API (see src/backends/kubernetes). */
export type KubernetesTarget = {
  name: string;
  backend: 'kubernetes';
  /** kubeconfig context; null: the current context, or in-cluster. */
  context: string | null;
  /** null: the context's namespace, else `default`. */
  namespace: string | null;
  /** Image repository prefix, no trailing slash: images are `<registry>/<model>:<key>`. */
  registry: string;
  insecureRegistry: boolean;
  /** The repository of buildah's layer cache (`--cache-from`/`--cache-to`); null or absent: none. */
  buildCache?: string | null;
  registryCredentials: { username: SecretRef; password: SecretRef } | null;
  /** The dockerconfigjson Secret pods pull with, or null. */
  imagePullSecret: string | null;
  rolloutTimeoutSeconds: number;
  lockTimeoutSeconds: number;
  gateway: { image: string | null; replicas: number; serviceType: 'ClusterIP' | 'NodePort' | 'LoadBalancer' };
  /** The tracked-metrics store `slipway install` sets up (absent on targets built before it existed: the defaults). */
  metricsStore?: { size: string; storageClass: string | null; postgres: { urlFromEnv: string } | null };
};

export type Target = LocalTarget | KubernetesTarget;

export type Spec = {
  /** Absolute path of the repository root. */
  root: string;
  /** Path of the models file relative to the root. */
  file: string;
  version: 1;
  project: string;
  limits: Limits;
  models: ModelSpec[];
  /** Declared targets by name; absent when models.yaml declares none. */
  targets?: Record<string, Target>;
};

/** One problem found in `models.yaml`, positioned so an editor or CI annotation can point at it. */
export type SpecIssue = {
  /** Path of the models file as given by the user (relative to the working directory when possible). */
  file: string;
  line: number;
  column: number;
  /** The data path, like `models[1].replicas`, or `` for the whole file. */
  path: string;
  message: string;
};

export type Loaded = { ok: true; spec: Spec } | { ok: false; errors: SpecIssue[] };
