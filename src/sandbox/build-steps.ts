// A candidate's build steps (venv, pip, build script, R installs) in the candidates' sandbox: a
// pull request's `build.sh` is as untrusted as its `predict`. The step sees its deps folder (the
// work copy and the venv or R library, read-write), the interpreter and /usr read-only, a
// private /tmp; never $HOME, the repository, `.slipway/` (daemon.json, the store, keys, logs) or
// other builds. The network stays on (pip needs the index) unless the model says
// `sandbox: {network: false}`.
//
// Deps folders are shared by hash, and the hash covers the requirements and build script, not
// every file a script may run. A candidate's deps therefore go in `candidate-<deps hash>-<build
// key>`: never reused by a production build through its deps hash, and shared only with builds of
// exactly the same files (the build key), whose venv is what an apply of those files would make.
import { runStep, type StepOptions, type StepResult } from '../build/run-step.ts';
import type { ReplicaLauncher, Wrap } from './launcher.ts';

/** How a build's steps are confined: given for candidates' builds only (BuildRequest.sandbox). */
export type BuildSandbox = {
  /** The candidates' launcher: bubblewrap, or plain where --unsafe-candidates allowed it. */
  launcher: ReplicaLauncher;
  /** Whether build steps may reach the network (pip's index, CRAN). */
  network: boolean;
  /** Absolute host paths the model mounts read-only (`sandbox.paths`). */
  paths: string[];
};

/** What of the daemon's environment a candidate's step gets: locale, proxies, index settings. */
const KEPT_VARIABLES = /^(PATH|LANG|LANGUAGE|LC_[A-Z]+|TZ|TERM|PIP_[A-Z_]+|(HTTPS?|NO|ALL)_PROXY|(https?|no|all)_proxy|SSL_CERT_(FILE|DIR)|REQUESTS_CA_BUNDLE|SLIPWAY_CRAN)$/;

/** The deps folder name of a build: a candidate's apart, tied to its build key (see above). */
export function depsFolderName(hash: string, req: { sandbox?: BuildSandbox; key: { key: string } }): string {
  return req.sandbox === undefined ? hash : `candidate-${hash}-${req.key.key}`;
}

/**
 * The environment steps start from: the daemon's own for production builds (as before); for a
 * candidate only what installing needs, so the runner's tokens and Slipway's settings stay out.
 */
export function hostEnvironment(sandbox: BuildSandbox | undefined): NodeJS.ProcessEnv {
  if (sandbox === undefined) return { ...process.env };
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => KEPT_VARIABLES.test(name)));
}

/** Runs steps of one deps folder: sandboxed when `sandbox` is given, as they are otherwise. */
export type StepRunner = (command: string, args: string[], options: StepOptions) => Promise<StepResult>;

/**
 * The step runner of a deps folder `folder` (holding `work`), whose steps run `interpreter`
 * (the base python or R, before any venv exists). Without a sandbox: runStep itself.
 */
export async function buildStepRunner(
  sandbox: BuildSandbox | undefined,
  where: { folder: string; work: string; interpreter: string },
): Promise<StepRunner> {
  if (sandbox === undefined) return runStep;
  const wrap: Wrap = await sandbox.launcher.prepare({
    buildDir: where.work,
    python: where.interpreter,
    runtimeDir: where.work,
    policy: { network: sandbox.network, paths: sandbox.paths },
    writable: [where.folder],
  });
  return (command, args, options) => {
    const env = Object.fromEntries(Object.entries(options.env).filter((entry): entry is [string, string] => entry[1] !== undefined));
    const wrapped = wrap({ command, args, env, cwd: where.work });
    return runStep(wrapped.command, wrapped.args, { ...options, cwd: wrapped.cwd, env: wrapped.env });
  };
}
