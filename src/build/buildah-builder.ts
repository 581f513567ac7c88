// The image builder for the Kubernetes backend: a build is an OCI image, `<registry>/<model>:<key>`,
// built by buildah from a generated Containerfile (see containerfile.ts) and pushed to the registry.
// The tag is the build key, so when the registry already has it (a revert, another branch, another
// CI run) nothing is built at all and the existing digest is returned. The log,
// `.slipway/builds/<model>/<number>.log`, holds buildah's output; the Containerfile is kept beside
// it as `<number>.Containerfile`.
import { cacheArgs, type BuildCache } from './buildah-cache-args.ts';
import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, readFile, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { headCommit, openRepo } from '../source/repo.ts';
import type { Builder, BuildOutcome, BuildRequest } from './builder.ts';
import { openBuildLog, type BuildLog } from './build-log.ts';
import { createStepTracker, describeStepFailure } from './buildah-output.ts';
import { baseImageProblem, CONTEXT_APP, renderContainerfile } from './containerfile.ts';
import { scriptInstallsRequirements } from './script-installs.ts';
import { openContentStore } from './content-store.ts';
import { assembleContext, writeContainerfile } from './image-context.ts';
import { inspectImage } from './image-inspect.ts';
import { writeAuthFile, type RegistryCredentials } from './registry-auth.ts';
import { packagePath } from '../package-paths.ts';
import { imageLabels, publicSourceUrl } from './image-labels.ts';
import { defaultTlsVerify, imageRef, parseRegistry } from './image-ref.ts';
import { describeEnd, runStep } from './run-step.ts';
import { checkoutLayout, StepFailure } from './build-checkout.ts';
import { isModelName } from '../spec/model-name.ts';
import { stepLimitSeconds, type StepLimits } from './step-limits.ts';

import { DEFAULT_BASE_IMAGE } from '../source/runtime-version.ts';
import { rDeclaredFiles, rImage, R_IMAGE_RUNTIME_ENTRIES } from '../runtimes/r-image.ts';
import { renderRContainerfile } from '../runtimes/r-containerfile.ts';

export { DEFAULT_BASE_IMAGE };
export type { BuildCache };

/** When buildah fetches the base image: `missing` only when it is not in local storage. */
export type PullPolicy = 'missing' | 'never' | 'always';

export type BuildahBuilderOptions = {
  /** The state folder, `<root>/.slipway`: logs and Containerfiles go under `builds/`. */
  stateDir: string;
  /** Where images go: `host[:port][/prefix]`, e.g. `registry.example.com/ml`. */
  registry: string;
  /** Verify TLS with the registry; default: not for loopback registries, otherwise yes. */
  tlsVerify?: boolean;
  /**
   * Stands in for `DEFAULT_BASE_IMAGE` for models that do not set `build.baseImage`: a mirror or an
   * offline copy of it. Build keys still name `DEFAULT_BASE_IMAGE`.
   */
  baseImage?: string;
  /** Default `missing`; `never` keeps builds offline (the base image must be in local storage). */
  pull?: PullPolicy;
  /** The folder holding `slipway_runtime`; default this installation's `runtime/python`. */
  runtimeDir?: string;
  /** Commands to run, for machines where they are not on PATH. */
  buildah?: string;
  skopeo?: string;
  /** Receives every line of every build's log, besides the request's own `log`. */
  log?: (line: string) => void;
  /** Registry credentials for pushing (and for inspecting and pulling from it); read from the environment by the caller. */
  credentials?: RegistryCredentials | null;
  /** Time limits of buildah and skopeo, replacing their defaults (see step-limits.ts). */
  stepTimeouts?: StepLimits;
  /**
   * A layer cache in a registry, for machines that keep none (fresh CI runners): `from` is read
   * (`--cache-from`), `to` written (`--cache-to`). Candidates read production's cache and write
   * none, so a pull request cannot plant a layer a production build would take.
   */
  cache?: BuildCache | null;
};

type Settings = Required<Omit<BuildahBuilderOptions, 'log' | 'credentials' | 'stepTimeouts' | 'cache'>> & {
  cache: BuildCache | null;
  stepTimeouts: StepLimits | undefined;
  log: ((line: string) => void) | undefined;
  credentials: RegistryCredentials | null;
  /** `--authfile <path>` while a build runs with credentials, else nothing. */
  authArgs: string[];
};

const PULL_FLAG: Record<PullPolicy, string> = { missing: 'false', never: 'never', always: 'always' };
// Through package-paths, so the Action's bundle (dist/index.js) finds it as the sources do.
const RUNTIME_DIR = packagePath('runtime', 'python');


/** Where the log and Containerfile of build `number` of `model` live under `stateDir`. */
export function imageBuildPaths(stateDir: string, model: string, number: number): { log: string; containerfile: string } {
  const models = join(stateDir, 'builds', model);
  return { log: join(models, `${number}.log`), containerfile: join(models, `${number}.Containerfile`) };
}

/** HEAD and the origin remote of the repository at `root`, for the image's OCI labels. */
async function provenance(root: string): Promise<{ commit: string | null; source: string | null }> {
  try {
    const repo = await openRepo(root);
    const commit = await headCommit(repo);
    const remote = await repo.git.raw(['remote', 'get-url', 'origin']).catch(() => '');
    return { commit, source: publicSourceUrl(remote) };
  } catch {
    return { commit: null, source: null };
  }
}

/** Assembles the context in `folder`, runs `buildah bud`, and pushes; returns the pushed digest. */
async function buildAndPush(req: BuildRequest, settings: Settings, reference: string, folder: string, log: BuildLog): Promise<string> {
  const { model, key, number } = req;
  const r = key.inputs.runtime === 'r' ? rImage(key.inputs.baseImage ?? model.build.baseImage) : null;
  if (key.inputs.runtime !== 'python3' && r === null) {
    throw new StepFailure(`runtime ${key.inputs.runtime} is not supported by the buildah builder; use runtime python3 or r`);
  }
  if (r !== null && !r.ok) throw new StepFailure(r.message);
  const declaredBase = key.inputs.baseImage ?? model.build.baseImage ?? settings.baseImage;
  // The digest the plan resolved (base-digests.ts) pins the base, unless a mirror stands in for it.
  const pinned = key.inputs.baseDigest !== undefined && declaredBase === (key.inputs.baseImage ?? key.inputs.defaultBaseImage);
  const baseImage = pinned ? `${declaredBase}@${key.inputs.baseDigest}` : declaredBase;
  const baseProblem = baseImageProblem(baseImage);
  if (baseProblem !== null) throw new StepFailure(baseProblem);
  const { context, layout, root } = await checkoutLayout(req, log);
  // The image's user is not the builder's: its files keep read bits for group and others.
  const store = await openContentStore(settings.stateDir, 'image');
  const declared = r === null ? [] : rDeclaredFiles(layout);
  const assembled = await assembleContext({
    root,
    context,
    layout,
    inputs: key.inputs,
    store,
    unstored: key.unstored,
    folder,
    ...(r === null ? { runtimeDir: settings.runtimeDir } : { runtimeDir: r.runtimeDir, runtimeEntries: R_IMAGE_RUNTIME_ENTRIES, depsExtra: declared }),
  });
  if (!assembled.ok) throw new StepFailure(assembled.message);
  if (assembled.deps.length > 0) log.line(`dependency layer: ${assembled.deps.join(', ')}`);

  let requirements = layout.requirements?.target ?? null;
  if (requirements !== null && layout.script !== null) {
    const script = await readFile(join(folder, CONTEXT_APP, layout.script.target), 'utf8').catch(() => '');
    if (scriptInstallsRequirements(script, requirements)) {
      log.line(`build script ${layout.script.target} installs ${requirements} itself (pip install -r), as in CML: no separate pip step`);
      requirements = null;
    }
  }
  const { commit, source } = await provenance(req.root);
  const labels = imageLabels({ model: model.name, number, key: key.key, commit, source, created: new Date().toISOString() });
  const script = layout.script?.target ?? null;
  const entry = { baseImage, script, file: layout.file, function: key.inputs.function, labels };
  const containerfile =
    r === null ? renderContainerfile({ ...entry, requirements }) : renderRContainerfile({ ...entry, declared: declared.map((placed) => placed.target) });
  const file = await writeContainerfile(folder, containerfile);
  await copyFile(file, imageBuildPaths(settings.stateDir, model.name, number).containerfile);

  log.line(`buildah bud on ${baseImage}`);
  const tracker = createStepTracker();
  const tag = '[buildah] ';
  const line = (text: string) => {
    log.line(text);
    tracker.observe(text.startsWith(tag) ? text.slice(tag.length) : text);
  };
  // --force-rm: buildah 1.28 otherwise leaves the working container of a failed RUN behind.
  const bud = await runStep(
    settings.buildah,
    ['bud', '--layers', '--force-rm', `--pull=${PULL_FLAG[settings.pull]}`, ...settings.authArgs, ...cacheArgs(settings.cache, settings.tlsVerify), '--isolation', 'chroot', '-f', file, '-t', reference, folder],
    { cwd: folder, env: process.env, tag: 'buildah', line, timeoutSeconds: stepLimitSeconds('buildah bud', settings.stepTimeouts), signal: req.signal },
  );
  if (bud.startError !== null) {
    throw new StepFailure(`cannot run ${settings.buildah} (${bud.startError.message}); install buildah (apt-get install buildah) or put it on PATH`);
  }
  if (bud.stopped !== null) throw new StepFailure(`image build failed: buildah bud ${describeEnd(bud)}`);
  if (bud.code !== 0) {
    const failure = tracker.failure();
    const step = failure === null ? '' : `${describeStepFailure(failure)}; `;
    throw new StepFailure(`image build failed: ${step}buildah bud ${describeEnd(bud)}`);
  }
  const cached = tracker.cached();
  if (cached.length > 0) log.line(`reused ${cached.length} cached layer step(s): ${cached.join(' | ')}`);

  const digestFile = join(folder, 'digest');
  const tls = `--tls-verify=${settings.tlsVerify}`;
  log.line(`pushing ${reference}`);
  const push = await runStep(settings.buildah, ['push', tls, ...settings.authArgs, '--digestfile', digestFile, reference, `docker://${reference}`], {
    cwd: folder,
    env: process.env,
    tag: 'push',
    line: log.line,
    timeoutSeconds: stepLimitSeconds('buildah push', settings.stepTimeouts),
    signal: req.signal,
  });
  if (push.code !== 0) throw new StepFailure(`pushing ${reference} failed: buildah push ${describeEnd(push)}; check the registry address and credentials`);
  const digest = (await readFile(digestFile, 'utf8')).trim();
  if (!/^sha256:[0-9a-f]{64}$/.test(digest)) throw new StepFailure(`buildah push wrote no digest for ${reference} (got "${digest}")`);
  return digest;
}

/** Builds `req` into an image, or finds it in the registry; every failure becomes an outcome. */
async function build(req: BuildRequest, settings: Settings): Promise<BuildOutcome> {
  const { model, number, key } = req;
  if (!isModelName(model.name) || !Number.isSafeInteger(number) || number < 1) {
    return {
      ok: false,
      logPath: '',
      errorTail: '',
      message: `cannot build "${model.name}" #${number}: a build needs a model name that is a DNS label and a number from 1`,
    };
  }
  const paths = imageBuildPaths(settings.stateDir, model.name, number);
  await mkdir(join(settings.stateDir, 'builds', model.name), { recursive: true });
  const log = openBuildLog(paths.log, (text) => {
    settings.log?.(text);
    req.log?.(text);
  });
  const reference = imageRef(settings.registry, model.name, key.key);
  log.line(`building ${model.name} #${number} (key ${key.key.slice(0, 12)}) with the buildah builder as ${reference}`);
  const folder = join(settings.stateDir, 'builds', model.name, `.${number}.context-${randomBytes(6).toString('hex')}`);
  try {
    const existing = await inspectImage(reference, {
      tlsVerify: settings.tlsVerify,
      skopeo: settings.skopeo,
      authArgs: settings.authArgs,
      timeoutSeconds: stepLimitSeconds('skopeo', settings.stepTimeouts),
      signal: req.signal,
    });
    if (existing.found === null) {
      throw new StepFailure(`cannot ask the registry for ${reference}: ${existing.message}; check that the registry is reachable`);
    }
    let digest: string;
    const distrusted = existing.found && req.verifyExisting ? await req.verifyExisting(existing.image) : null;
    if (existing.found && distrusted === null) {
      digest = existing.image.digest;
      log.line(`skipped: the registry already has ${reference} (${digest}); no build needed`);
    } else {
      if (distrusted !== null) log.line(`the registry has ${reference} (${existing.found ? existing.image.digest : ''}) but ${distrusted}: building it again`);
      await mkdir(folder);
      digest = await buildAndPush(req, settings, reference, folder, log);
      log.line(`build ${model.name} #${number} done: ${reference} ${digest}`);
    }
    await log.close();
    return { ok: true, artifact: reference, logPath: paths.log, digest };
  } catch (error) {
    const message = error instanceof StepFailure ? error.message : `build failed unexpectedly: ${(error as Error).message}`;
    log.line(`build failed: ${message}`);
    await log.close();
    return { ok: false, logPath: paths.log, errorTail: log.tail(), message };
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

/**
 * The buildah builder (registry name `buildah`).
 * @throws Error when `options.registry` is missing or malformed: a setup mistake, not a build failure.
 */
export function createBuildahBuilder(options: BuildahBuilderOptions): Builder {
  const registry = parseRegistry(options.registry);
  if (!registry.ok) throw new Error(registry.message);
  const settings: Settings = {
    stateDir: resolve(options.stateDir),
    registry: registry.registry,
    tlsVerify: options.tlsVerify ?? defaultTlsVerify(registry.registry),
    baseImage: options.baseImage || DEFAULT_BASE_IMAGE,
    pull: options.pull ?? 'missing',
    runtimeDir: options.runtimeDir ?? RUNTIME_DIR,
    buildah: options.buildah ?? 'buildah',
    skopeo: options.skopeo ?? 'skopeo',
    log: options.log,
    credentials: options.credentials ?? null,
    stepTimeouts: options.stepTimeouts,
    cache: options.cache ?? null,
    authArgs: [],
  };
  return { name: 'buildah', build: (req) => withAuth(settings, (authed) => build(req, authed)) };
}

/** Runs `fn` with an auth file for the registry when there are credentials, removed afterwards. */
async function withAuth<T>(settings: Settings, fn: (settings: Settings) => Promise<T>): Promise<T> {
  if (!settings.credentials) return fn(settings);
  const file = await writeAuthFile(settings.registry, settings.credentials);
  try {
    return await fn({ ...settings, authArgs: ['--authfile', file.path] });
  } finally {
    await file.remove();
  }
}
