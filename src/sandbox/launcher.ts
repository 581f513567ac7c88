// How a replica's command is run: as a plain process, or wrapped in a sandbox (bubblewrap today,
// podman later). Model code is untrusted input to Slipway: a launcher decides what it can see.
// The supervisor asks a launcher to `prepare` once per deployment (the slow part: finding what
// the interpreter needs), then wraps each process it starts with the result.

/** What a model asks for beyond the default sandbox (`sandbox:` in models.yaml). */
export type SandboxPolicy = {
  /** Whether the replica may open network connections. Deployed models: on; candidates: off. */
  network: boolean;
  /** Absolute host paths mounted read-only besides the defaults. */
  paths: string[];
};

/** One process to start: what `child_process.spawn` takes. */
export type LaunchCommand = {
  command: string;
  args: string[];
  env: Record<string, string>;
  cwd: string;
  /**
   * A private folder the runtime makes its own socket in (R's httpuv cannot serve on a socket
   * bound for it): a sandbox mounts it writable instead of binding the socket outside.
   */
  socketFolder?: string;
};

export type PrepareRequest = {
  /** The build folder: the replica's working directory, mounted read-only. */
  buildDir: string;
  /** The interpreter the replica runs (a virtualenv's python, or the base one). */
  python: string;
  /** Slipway's runtime package folder, on PYTHONPATH. */
  runtimeDir: string;
  policy: SandboxPolicy;
  /**
   * Folders mounted read-write (a candidate's build steps: its deps folder, holding the work copy
   * and the venv or R library). Anything the defaults would mount read-only under one of them is
   * left to it, so it stays writable.
   */
  writable?: string[];
};

/** Wraps one replica process of a prepared deployment. */
export type Wrap = (command: LaunchCommand) => LaunchCommand;

export type ReplicaLauncher = {
  /** `plain` (no isolation) or the sandbox's name. */
  readonly name: 'plain' | 'bubblewrap';
  /** True when replicas run isolated from the repository, `.slipway/` and each other. */
  readonly isolated: boolean;
  prepare(request: PrepareRequest): Promise<Wrap>;
};

/** The default a deployed model gets: network on, nothing extra mounted. */
export const DEPLOYED_POLICY: SandboxPolicy = { network: true, paths: [] };

/** The default a candidate (a pull request's build, `slipway test`) gets: no network. */
export const CANDIDATE_POLICY: SandboxPolicy = { network: false, paths: [] };
