// The local backend's builder: a build is a folder, `.slipway/builds/<model>/<number>/`, holding
// exactly the files of the build key's manifest (as git checks them out, hard-linked from the
// content store in `.slipway/content/`) plus `build.json`, and a virtualenv shared by
// every build with the same dependency hash. The folder is assembled under a temporary name and
// renamed into place at the end, so a build folder is complete or absent; once there, it is never
// written again. The log, `.slipway/builds/<model>/<number>.log`, lives beside the folder.
import { randomBytes } from 'node:crypto';
import { access, mkdir, rename, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Builder, BuildOutcome, BuildRequest } from './builder.ts';
import { writeBuildInfo, type BuildInfo } from './build-info.ts';
import { openBuildLog, type BuildLog } from './build-log.ts';
import { depsHash, requirementFiles } from './deps-hash.ts';
import { ensureDeps } from './python-deps.ts';
import type { PythonIdentity } from './python-probe.ts';
import { DEFAULT_PYTHON, probeInterpreter } from '../source/interpreter-probe.ts';
import { openContentStore } from './content-store.ts';
import { writeSnapshot } from './snapshot-checkout.ts';
import type { SnapshotLayout } from './snapshot-layout.ts';
import { checkoutLayout, StepFailure } from './build-checkout.ts';
import { rSnapshotDeps } from '../runtimes/r-snapshot-deps.ts';
import { isModelName } from '../spec/model-name.ts';
import { cancelReason, type StepLimits } from './step-limits.ts';
import { depsFolderName } from '../sandbox/build-steps.ts';
import type { DepsCache } from '../build-cache/deps-cache.ts';

export type SnapshotBuilderOptions = {
  /** The state folder, `<root>/.slipway`. */
  stateDir: string;
  /**
   * Interpreter to build with and run replicas with, for every model (tests); default: each
   * model's `build.python`, else `python3`. No environment variable chooses it: the interpreter is
   * part of the build key, and the key comes from models.yaml.
   */
  python?: string;
  /** Time limits of venv, pip and the build script, replacing their defaults (see step-limits.ts). */
  stepTimeouts?: StepLimits;
  /** The shared build cache dependency folders are pulled from and pushed to (docs/architecture.md). */
  cache?: DepsCache | null;
};

/** Where build `number` of `model` and its log live under `stateDir`. */
export function snapshotPaths(stateDir: string, model: string, number: number): { folder: string; log: string } {
  const models = join(stateDir, 'builds', model);
  return { folder: join(models, String(number)), log: join(models, `${number}.log`) };
}



async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/** The interpreter of `req`, checked against the one its key was planned with. */
async function interpreterOf(req: BuildRequest, override: string | undefined): Promise<{ python: PythonIdentity; packages: string }> {
  const declared = override ?? req.model.build.python ?? DEFAULT_PYTHON;
  const probed = await probeInterpreter(declared, req.root);
  if (!probed.ok) throw new StepFailure(probed.message);
  const found = probed.identity;
  const planned = req.key.inputs.python;
  if (planned !== undefined && (planned.executable !== found.executable || planned.version !== found.version || planned.packages !== found.packages)) {
    throw new StepFailure(
      `the interpreter "${declared}" changed since the plan (planned Python ${planned.version} at ${planned.executable}, ` +
        `now ${found.version} at ${found.executable}${planned.packages !== found.packages ? ', with other packages' : ''}); plan and apply again`,
    );
  }
  return { python: { command: probed.command, executable: found.executable, version: found.version }, packages: found.packages };
}

async function assemble(req: BuildRequest, settings: Settings, temp: string, log: BuildLog): Promise<void> {
  const { stateDir } = settings;
  const { model, key, number } = req;
  const dependencies = DEPENDENCY_STEPS[key.inputs.runtime];
  if (dependencies === undefined) {
    throw new StepFailure(`runtime ${key.inputs.runtime} is not supported by the snapshot builder; use runtime python3 or r`);
  }
  const { context, layout, root } = await checkoutLayout(req, log);
  await mkdir(temp);
  const store = await openContentStore(stateDir);
  const copied = await writeSnapshot({ root, context, inputs: key.inputs, files: layout.files, folder: temp, store, unstored: key.unstored });
  if (!copied.ok) throw new StepFailure(copied.message);
  log.line(`${copied.linked} of ${layout.files.length} files linked from the content store`);
  await writeBuildInfo(temp, {
    format: 1,
    model: model.name,
    number,
    key: key.key,
    runtime: key.inputs.runtime,
    file: layout.file,
    function: key.inputs.function,
    ...(await dependencies(req, settings, layout, temp, log)),
    createdAt: new Date().toISOString(),
  });
}

type DependencyStep = (
  req: BuildRequest,
  settings: Settings,
  layout: SnapshotLayout,
  temp: string,
  log: BuildLog,
) => Promise<Pick<BuildInfo, 'python' | 'interpreter' | 'deps' | 'library' | 'depsSource'>>;

/** Python: the interpreter, and a venv per dependency hash. */
async function pythonDependencies(req: BuildRequest, settings: Settings, layout: SnapshotLayout, temp: string, log: BuildLog): ReturnType<DependencyStep> {
  const { stateDir, pythonOverride } = settings;
  const { model, key, number } = req;
  const { python, packages } = await interpreterOf(req, pythonOverride);
  log.line(`interpreter: Python ${python.version} at ${python.executable}`);

  let runWith = python.executable;
  let deps: string | null = null;
  let depsSource: BuildInfo['depsSource'];
  if (layout.requirements === null && layout.script === null) {
    log.line(`no requirements file or build script: replicas run with ${python.executable} (Python ${python.version})`);
  } else {
    const files = await requirementFiles(layout, temp);
    deps = depsFolderName(depsHash({ python, packages, runtime: key.inputs.runtime, requirements: layout.requirements, script: layout.script, files }), req);
    const installed = await ensureDeps({
      stateDir,
      hash: deps,
      python,
      root: req.root,
      source: temp,
      requirements: layout.requirements?.target ?? null,
      script: layout.script?.target ?? null,
      builtBy: { model: model.name, number },
      env: req.env,
      line: log.line,
      stepTimeouts: settings.stepTimeouts,
      signal: req.signal,
      sandbox: req.sandbox,
      ...(settings.cache ? { cache: settings.cache } : {}),
    });
    if (!installed.ok) throw new StepFailure(installed.message);
    runWith = installed.python;
    depsSource = installed.source;
  }
  return { python: runWith, interpreter: { executable: python.executable, version: python.version, packages }, deps, ...(depsSource ? { depsSource } : {}) };
}

/** R: Rscript, and an R library folder per dependency hash (src/runtimes/r-snapshot-deps.ts). */
async function rDependencies(req: BuildRequest, settings: Settings, layout: SnapshotLayout, temp: string, log: BuildLog): ReturnType<DependencyStep> {
  const step = await rSnapshotDeps(req, layout, temp, settings, log.line);
  if (!step.ok) throw new StepFailure(step.message);
  return { python: step.rscript, interpreter: step.identity, deps: step.deps, library: step.library };
}

/** Each runtime's dependency step; a runtime missing here is refused with the supported ones. */
const DEPENDENCY_STEPS: Record<string, DependencyStep> = { python3: pythonDependencies, r: rDependencies };

type Settings = { stateDir: string; pythonOverride: string | undefined; stepTimeouts: StepLimits | undefined; cache?: DepsCache | null };

/** Builds `req` into its folder; every failure becomes an outcome. */
async function build(req: BuildRequest, settings: Settings): Promise<BuildOutcome> {
  const { stateDir } = settings;
  const { model, number } = req;
  if (!isModelName(model.name) || !Number.isSafeInteger(number) || number < 1) {
    return {
      ok: false,
      logPath: '',
      errorTail: '',
      message: `cannot build "${model.name}" #${number}: a build needs a model name that is a DNS label and a number from 1`,
    };
  }
  const paths = snapshotPaths(stateDir, model.name, number);
  if (await exists(paths.folder)) {
    return {
      ok: false,
      logPath: paths.log,
      errorTail: '',
      message: `build ${model.name} #${number} already exists at ${paths.folder}; builds are immutable, build under a new number`,
    };
  }
  await mkdir(join(stateDir, 'builds', model.name), { recursive: true });
  const log = openBuildLog(paths.log, req.log);
  const temp = join(stateDir, 'builds', model.name, `.${number}.tmp-${randomBytes(6).toString('hex')}`);
  log.line(`building ${model.name} #${number} (key ${req.key.key.slice(0, 12)}) with the snapshot builder`);
  try {
    await assemble(req, settings, temp, log);
    // A cancelled build leaves no folder, even when its last step happened to finish.
    if (req.signal?.aborted) throw new StepFailure(`build cancelled: ${cancelReason(req.signal)}`);
    try {
      await rename(temp, paths.folder);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOTEMPTY' || code === 'EEXIST') {
        throw new StepFailure(`build ${model.name} #${number} was completed by another build meanwhile; builds are immutable, build under a new number`);
      }
      throw error;
    }
    log.line(`build ${model.name} #${number} done: ${paths.folder}`);
    await log.close();
    return { ok: true, artifact: paths.folder, logPath: paths.log };
  } catch (error) {
    const message = error instanceof StepFailure ? error.message : `build failed unexpectedly: ${(error as Error).message}`;
    await rm(temp, { recursive: true, force: true });
    log.line(`build failed: ${message}`);
    await log.close();
    return { ok: false, logPath: paths.log, errorTail: log.tail(), message };
  }
}

/** The snapshot builder for the local backend (registry name `snapshot`). */
export function createSnapshotBuilder(options: SnapshotBuilderOptions): Builder {
  const stateDir = resolve(options.stateDir);
  return {
    name: 'snapshot',
    build: (req) => build(req, { stateDir, pythonOverride: options.python || undefined, stepTimeouts: options.stepTimeouts, cache: options.cache ?? null }),
  };
}
