// The local backend's builder: a build is a folder, `.slipway/builds/<model>/<number>/`, holding
// exactly the files of the build key's manifest (as git checks them out, hard-linked from the
// content store in `.slipway/content/`) plus `build.json`, and a virtualenv shared by
// every build with the same dependency hash. The folder is assembled under a temporary name and
// renamed into place at the end, so a build folder is complete or absent; once there, it is never
// written again. The log, `.slipway/builds/<model>/<number>.log`, lives beside the folder.
import { randomBytes } from 'node:crypto';
import { access, mkdir, realpath, rename, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Builder, BuildOutcome, BuildRequest } from './builder.ts';
import { writeBuildInfo } from './build-info.ts';
import { openBuildLog, type BuildLog } from './build-log.ts';
import { depsHash, requirementFiles } from './deps-hash.ts';
import { ensureDeps } from './python-deps.ts';
import { probePython } from './python-probe.ts';
import { openContentStore } from './content-store.ts';
import { writeSnapshot } from './snapshot-checkout.ts';
import { layoutSnapshot, normalizeContext } from './snapshot-layout.ts';

export type SnapshotBuilderOptions = {
  /** The state folder, `<root>/.slipway`. */
  stateDir: string;
  /** Interpreter to build with and run replicas with; default `$SLIPWAY_PYTHON`, else `python3`. */
  python?: string;
};

/** Where build `number` of `model` and its log live under `stateDir`. */
export function snapshotPaths(stateDir: string, model: string, number: number): { folder: string; log: string } {
  const models = join(stateDir, 'builds', model);
  return { folder: join(models, String(number)), log: join(models, `${number}.log`) };
}

/** A step that failed; its message names the step. */
class StepFailure extends Error {}

const MODEL_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

async function assemble(req: BuildRequest, stateDir: string, pythonCommand: string, temp: string, log: BuildLog): Promise<void> {
  const { model, key, number } = req;
  if (key.inputs.runtime !== 'python3') {
    throw new StepFailure(`runtime ${key.inputs.runtime} is not supported by the snapshot builder; use runtime python3`);
  }
  const context = normalizeContext(model.build.context);
  const placed = layoutSnapshot(key.inputs, context);
  if (!placed.ok) throw new StepFailure(placed.message);
  const { layout } = placed;
  const probed = await probePython(pythonCommand, req.root);
  if (!probed.ok) throw new StepFailure(probed.message);
  const python = probed.python;

  log.line(`checking out ${layout.files.length} files from ${context || 'the repository root'} as git stores them`);
  const root = await realpath(req.root);
  await mkdir(temp);
  const store = await openContentStore(stateDir);
  const copied = await writeSnapshot({ root, context, inputs: key.inputs, files: layout.files, folder: temp, store, unstored: key.unstored });
  if (!copied.ok) throw new StepFailure(copied.message);
  log.line(`${copied.linked} of ${layout.files.length} files linked from the content store`);

  let runWith = python.executable;
  let deps: string | null = null;
  if (layout.requirements === null && layout.script === null) {
    log.line(`no requirements file or build script: replicas run with ${python.executable} (Python ${python.version})`);
  } else {
    const files = await requirementFiles(layout, temp);
    deps = depsHash({ python, runtime: key.inputs.runtime, requirements: layout.requirements, script: layout.script, files });
    const installed = await ensureDeps({
      stateDir,
      hash: deps,
      python,
      root: req.root,
      source: temp,
      requirements: layout.requirements?.target ?? null,
      script: layout.script?.target ?? null,
      builtBy: { model: model.name, number },
      line: log.line,
    });
    if (!installed.ok) throw new StepFailure(installed.message);
    runWith = installed.python;
  }
  await writeBuildInfo(temp, {
    format: 1,
    model: model.name,
    number,
    key: key.key,
    runtime: key.inputs.runtime,
    file: layout.file,
    function: key.inputs.function,
    python: runWith,
    deps,
    createdAt: new Date().toISOString(),
  });
}

/** Builds `req` into its folder; every failure becomes an outcome. */
async function build(req: BuildRequest, stateDir: string, pythonCommand: string): Promise<BuildOutcome> {
  const { model, number } = req;
  if (!MODEL_NAME.test(model.name) || !Number.isSafeInteger(number) || number < 1) {
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
    await assemble(req, stateDir, pythonCommand, temp, log);
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
  const pythonCommand = options.python || process.env.SLIPWAY_PYTHON || 'python3';
  const stateDir = resolve(options.stateDir);
  return {
    name: 'snapshot',
    build: (req) => build(req, stateDir, pythonCommand),
  };
}
