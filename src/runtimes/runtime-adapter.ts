// One seam per model language: how a replica of a `runtime:` is started and recognised as ready,
// and what its sandbox must add. The supervisor and the snapshot builder ask the registry
// (runtime-registry.ts) for the adapter of a build's runtime instead of testing the runtime's name.

/** What a replica process is started with, before any sandbox wraps it. */
export type LaunchRequest = {
  /** The interpreter recorded in build.json: a venv's python, or Rscript. */
  interpreter: string;
  /** The model file, relative to the build folder. */
  file: string;
  function: string;
  /** The Unix socket the runtime serves on. */
  socket: string;
};

/** A runtime's replica launch: the command, and the variables it needs besides Slipway's. */
export type RuntimeAdapter = {
  /** The `runtime:` value of models.yaml (`python3`, `r`). */
  readonly name: string;
  /** Slipway's runtime folder for this language (mounted read-only in the sandbox). */
  readonly runtimeDir: string;
  /** The line a replica prints on stdout once it listens: `SLIPWAY_READY socket=<path>` (or `port=`). */
  readonly readyLine: RegExp;
  /**
   * Whether the runtime can serve on a socket bound by its parent (`--listen-fd N`). One that
   * cannot (httpuv makes its own) gets a private folder for its socket, mounted writable.
   */
  readonly takesListenFd: boolean;
  /** The command and arguments that serve `req`. */
  launch(req: LaunchRequest): { command: string; args: string[] };
  /**
   * Variables this runtime needs, from the deployment's own (`declared`) and the build's
   * dependency library (`library`, or null): PYTHONPATH for Python, R_LIBS_USER for R.
   */
  env(declared: Record<string, string>, library: string | null): Record<string, string>;
};

/** `SLIPWAY_READY socket=<path>` or `SLIPWAY_READY port=<port>`, the line every runtime prints. */
export const READY_LINE = /^SLIPWAY_READY (?:port=(\d+)|socket=(\/.+?))\s*$/;
