// A model's Python dependencies: a virtualenv in `.slipway/deps/<hash>/venv`, its requirements
// installed with pip, then its build script run with the venv first on PATH and the model's
// environment (as CML 1.7.2+ gives build scripts). The venv sees the system's site-packages
// (`--system-site-packages`), so packages the interpreter provides (Debian's python3-*) need no
// index: when every requirement is already satisfied pip does not run at all, and when some are
// missing and the index cannot be reached the build fails in seconds naming them. A build script
// that installs the requirements itself (`pip3 install -r requirements.txt`, as CML's
// `cdsw-build.sh` does) is left to do it alone. A deps folder is complete once `complete.json` is written; anything
// else is a failed or interrupted install and is removed before the next try.
//
// The requirements and build script run in `.slipway/deps/<hash>/work`, a copy of the build
// folder kept with the venv: paths an install records (`pip install -e ./lib`) stay valid, and
// whatever the script writes there never reaches the build folder.
import { access, chmod, cp, mkdir, readFile, rename, rm, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { withLock } from './deps-lock.ts';
import type { PythonIdentity } from './python-probe.ts';
import { checkRequirements, unreachableIndexMessage } from './requirements-check.ts';
import { describeEnd, type StepOptions, type StepResult } from './run-step.ts';
import { stepLimitSeconds, type StepName, type StepLimits } from './step-limits.ts';
import { scriptInstallsRequirements } from './script-installs.ts';
import type { DepsCache } from '../build-cache/deps-cache.ts';
import { buildStepRunner, hostEnvironment, type BuildSandbox, type StepRunner } from '../sandbox/build-steps.ts';

export type DepsRequest = {
  stateDir: string;
  hash: string;
  python: PythonIdentity;
  /** Where the base python is run (a pyenv shim picks its version by folder). */
  root: string;
  /** The build folder so far, copied as the working folder of pip and the script. */
  source: string;
  /** Build-folder paths of the requirements file and build script. */
  requirements: string | null;
  script: string | null;
  builtBy: { model: string; number: number };
  /** The model's resolved environment (global < project < model), given to pip and the script. */
  env?: Record<string, string>;
  line: (text: string) => void;
  /** Time limits of its steps, replacing their defaults (see step-limits.ts). */
  stepTimeouts?: StepLimits;
  /** Kills the running step when it aborts. */
  signal?: AbortSignal;
  /** A candidate's build: its steps run in this sandbox (src/sandbox/build-steps.ts). */
  sandbox?: BuildSandbox;
  /** The shared build cache: deps are pulled from it instead of installed, and pushed once installed. Never used for candidates. */
  cache?: DepsCache;
};

/** How a build got its deps folder: installed now, reused from an earlier build here, or pulled from the build cache. */
export type DepsSource = 'installed' | 'reused' | 'pulled';

export type DepsResult = { ok: true; python: string; reused: boolean; source: DepsSource } | { ok: false; message: string };

/** The deps folder of `hash` and what is in it. */
export function depsPaths(stateDir: string, hash: string) {
  const folder = join(stateDir, 'deps', hash);
  const venv = join(folder, 'venv');
  return { folder, venv, python: join(venv, 'bin', 'python'), work: join(folder, 'work'), marker: join(folder, 'complete.json') };
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/** The time limit and cancellation of `step` for this request. */
function limits(req: DepsRequest, step: StepName): Pick<StepOptions, 'timeoutSeconds' | 'signal'> {
  return { timeoutSeconds: stepLimitSeconds(step, req.stepTimeouts), signal: req.signal };
}

function stepEnv(req: DepsRequest, venv: string | null, modelEnv: Record<string, string> = {}): NodeJS.ProcessEnv {
  const host = hostEnvironment(req.sandbox);
  // One retry instead of pip's five: an index that does not answer should not hold a build for
  // minutes. A model (or the caller) that sets PIP_RETRIES keeps its own.
  const env: NodeJS.ProcessEnv = { PIP_RETRIES: '1', ...host, ...modelEnv, PIP_NO_INPUT: '1', PIP_DISABLE_PIP_VERSION_CHECK: '1' };
  delete env.PYTHONHOME;
  if (venv !== null) {
    env.VIRTUAL_ENV = venv;
    env.PATH = `${join(venv, 'bin')}:${host.PATH ?? ''}`;
  } else {
    // An activated venv around Slipway must not leak into the one being made.
    delete env.VIRTUAL_ENV;
  }
  return env;
}

/**
 * Creates the venv with pip. A python without ensurepip (Debian without python3-venv) gets a venv
 * without pip; its `python -m pip` is then the base interpreter's pip, which installs into the
 * venv, and small `pip`/`pip3` wrappers make scripts that call `pip install` work too.
 */
async function createVenv(req: DepsRequest, venv: string, runStep: StepRunner, cwd: string): Promise<{ ok: true } | { ok: false; message: string }> {
  const args = ['-m', 'venv', '--system-site-packages', venv];
  req.line(`creating virtualenv with ${req.python.executable} (Python ${req.python.version})`);
  const made = await runStep(req.python.command, args, { cwd, env: stepEnv(req, null), tag: 'venv', line: req.line, keepOutput: true, ...limits(req, 'venv') });
  if (made.code === 0) return { ok: true };
  if (made.stopped !== null || !made.output.some((text) => text.includes('ensurepip'))) {
    return { ok: false, message: `virtualenv creation failed (${req.python.command} -m venv ${describeEnd(made)})` };
  }
  req.line(`ensurepip is not available for ${req.python.executable}; creating the virtualenv without pip`);
  await rm(venv, { recursive: true, force: true });
  const bare = await runStep(req.python.command, [...args.slice(0, 2), '--without-pip', ...args.slice(2)], {
    cwd,
    env: stepEnv(req, null),
    tag: 'venv',
    line: req.line,
    ...limits(req, 'venv'),
  });
  if (bare.code !== 0) {
    return { ok: false, message: `virtualenv creation failed (${req.python.command} -m venv --without-pip ${describeEnd(bare)})` };
  }
  const python = join(venv, 'bin', 'python');
  const pip = await runStep(python, ['-m', 'pip', '--version'], { cwd, env: stepEnv(req, venv), tag: 'venv', line: req.line, ...limits(req, 'venv') });
  if (pip.code !== 0) {
    req.line(`no pip is available to the virtualenv (install python3-venv or python3-pip for ${req.python.executable})`);
    return { ok: true };
  }
  for (const name of ['pip', 'pip3']) {
    const wrapper = join(venv, 'bin', name);
    await writeFile(wrapper, `#!/bin/sh\nexec "${python}" -m pip "$@"\n`);
    await chmod(wrapper, 0o755);
  }
  req.line(`using the base interpreter's pip through ${python} -m pip`);
  return { ok: true };
}

async function install(req: DepsRequest): Promise<DepsResult> {
  const paths = depsPaths(req.stateDir, req.hash);
  await rm(paths.folder, { recursive: true, force: true });
  await mkdir(paths.folder, { recursive: true });
  await cp(req.source, paths.work, { recursive: true, verbatimSymlinks: true });
  const runStep = await buildStepRunner(req.sandbox, { folder: paths.folder, work: paths.work, interpreter: req.python.executable });
  // A pyenv shim picks its version by folder, so the base python runs in the repository; a
  // candidate's steps never see the repository, and run in their work copy.
  const venv = await createVenv(req, paths.venv, runStep, req.sandbox === undefined ? req.root : paths.work);
  if (!venv.ok) return venv;
  const env = stepEnv(req, paths.venv, req.env);
  const run = (command: string, args: string[], tag: string, step: StepName): Promise<StepResult> =>
    runStep(command, args, { cwd: paths.work, env, tag, line: req.line, ...limits(req, step) });
  const pipNeeded = req.requirements === null ? true : await requirementsNeedPip(req, req.requirements, paths.python, paths.work, env);
  if (typeof pipNeeded === 'string') return { ok: false, message: pipNeeded };
  if (req.requirements !== null && pipNeeded) {
    req.line(`installing ${req.requirements} with pip`);
    const pip = await run(paths.python, ['-m', 'pip', 'install', '--no-input', '--disable-pip-version-check', '-r', req.requirements], 'pip', 'pip');
    if (pip.code !== 0) {
      const end = pip.stopped === null && pip.startError === null && pip.signal === null ? `pip exited ${pip.code}` : `pip ${describeEnd(pip)}`;
      return { ok: false, message: `requirements install failed (${end})` };
    }
  }
  if (req.script !== null) {
    req.line(`running build script ${req.script}`);
    const script = await run('bash', [req.script], req.script, 'build script');
    if (script.code !== 0) return { ok: false, message: `build script ${req.script} ${describeEnd(script)}` };
  }
  const marker = {
    hash: req.hash,
    python: { executable: req.python.executable, version: req.python.version },
    requirements: req.requirements,
    script: req.script,
    builtBy: req.builtBy,
    completedAt: new Date().toISOString(),
  };
  await writeFile(`${paths.marker}.tmp`, `${JSON.stringify(marker, null, 2)}\n`);
  await rename(`${paths.marker}.tmp`, paths.marker);
  return { ok: true, python: paths.python, reused: false, source: 'installed' };
}

/**
 * Whether Slipway should run pip on `requirements`: not when the build script installs them itself,
 * nor when the interpreter satisfies every one already. A message (string) when some cannot be
 * fetched because the index is out of reach.
 */
async function requirementsNeedPip(req: DepsRequest, requirements: string, venvPython: string, work: string, env: NodeJS.ProcessEnv): Promise<boolean | string> {
  const check = await checkRequirements(venvPython, work, requirements, env);
  if (check !== null && check.missing.length > 0 && check.index !== null && !check.index.reachable) {
    return unreachableIndexMessage(requirements, check, req.python);
  }
  if (req.script !== null) {
    const script = await readFile(join(work, req.script), 'utf8').catch(() => '');
    if (scriptInstallsRequirements(script, requirements)) {
      req.line(`build script ${req.script} installs ${requirements} itself (pip install -r), as in CML: Slipway does not install it again`);
      return false;
    }
  }
  if (check !== null && check.simple && check.missing.length === 0) {
    req.line(`every requirement of ${requirements} is already satisfied by ${req.python.executable} (Python ${req.python.version}) and its packages: nothing to fetch`);
    return false;
  }
  return true;
}

/**
 * The venv python for `req.hash`: reused when a complete deps folder exists, installed otherwise.
 * A failed install leaves no deps folder behind.
 */
export async function ensureDeps(req: DepsRequest): Promise<DepsResult> {
  const paths = depsPaths(req.stateDir, req.hash);
  await mkdir(join(req.stateDir, 'deps'), { recursive: true });
  const waiting = () => req.line(`waiting for dependencies ${req.hash.slice(0, 12)}, being installed by another build`);
  return withLock(`${paths.folder}.lock`, waiting, async () => {
    if ((await exists(paths.marker)) && (await exists(paths.python))) {
      const marker = await readFile(paths.marker, 'utf8')
        .then((text) => JSON.parse(text) as { builtBy?: { model: string; number: number } })
        .catch(() => ({ builtBy: undefined }));
      const by = marker.builtBy ? ` (installed for ${marker.builtBy.model} #${marker.builtBy.number})` : '';
      req.line(`reusing dependencies ${req.hash.slice(0, 12)}${by}`);
      // Marks it in use, under the lock `slipway prune` takes too: prune spares what was used lately.
      const now = new Date();
      await utimes(paths.marker, now, now);
      return { ok: true, python: paths.python, reused: true, source: 'reused' };
    }
    // A candidate's deps (a pull request's requirements and script) never go to or come from the cache.
    const cache = req.sandbox === undefined ? req.cache : undefined;
    if (cache && (await cache.pull(req.hash, paths.folder, req.line, req.signal)) && (await exists(paths.python))) {
      return { ok: true, python: paths.python, reused: true, source: 'pulled' };
    }
    req.line(`installing dependencies ${req.hash.slice(0, 12)} into ${paths.folder}`);
    let result: DepsResult;
    try {
      result = await install(req);
    } catch (error) {
      result = { ok: false, message: `dependency install failed: ${(error as Error).message}` };
    }
    if (!result.ok) await rm(paths.folder, { recursive: true, force: true });
    else if (cache) await cache.push(req.hash, paths.folder, req.line, req.signal);
    return result;
  });
}
