// The build a change runs with: the existing build it reuses, or a new one built now and recorded
// in the target's build ledger. Shared by apply (which then deploys it) and CI's pull-request flow
// (which only tests it in a throwaway replica), so both number and reuse builds the same way, and
// a build the check made is the one the apply after the merge finds.
import type { Builder } from '../build/builder.ts';
import type { EnvValue, ModelSpec } from '../spec/types.ts';
import type { BuildSandbox } from '../sandbox/build-steps.ts';
import type { Change } from '../plan/types.ts';
import type { BuildKeys } from '../source/types.ts';
import type { BuildLedger, LedgerBuild } from './build-ledger.ts';

export type BuildDeps = {
  root: string;
  /** Where builds are numbered and recorded: the local store, or the cluster's records. */
  ledger: BuildLedger;
  builder: Builder;
  keys: BuildKeys;
  gitCommit: string | null;
  log: (line: string) => void;
  /** Where the model's fromEnv variables are read for its build steps; absent: literals only. */
  envSource?: Record<string, string | undefined>;
  /** Kills the build when it aborts. */
  signal?: AbortSignal;
  /** Where a build's own output goes; default: `log`, each line prefixed with `<model> #<number> | `. */
  buildLog?: BuildLog;
  /**
   * Why an existing build may not be deployed by this apply (null: it may), e.g. an image a
   * pull-request check pushed to the candidates repository. Such a build is built again here.
   */
  notDeployable?: (build: LedgerBuild) => string | null;
  /** Passed to the builder as `verifyExisting` for this model and key (see BuildRequest). */
  verifyExisting?: (model: string, key: string, image: { digest: string; labels: Record<string, string> }) => Promise<string | null>;
  /** Set for candidates' builds (CI, `slipway test`), never for apply: their steps run in it. */
  sandbox?: (model: ModelSpec) => BuildSandbox;
};

/** One line of a build's output, kept apart from apply's own lines so a terminal can show it once. */
export type BuildLog = (model: string, number: number, line: string) => void;

export type EnsuredBuild =
  | { ok: true; build: LedgerBuild; reused: boolean }
  /** The build was recorded under `number` and failed; the ledger says so too. */
  | { ok: false; number: number; key: string; message: string; errorTail: string };

/**
 * The succeeded build for `change`: the one the plan reuses, one another apply built with the same
 * key since the plan was made, or a new build under the model's next number (reserved in the
 * ledger, so concurrent builders never share a number). A failed build is an outcome; a
 * change without a declared model or key, or a reused build that is not finished, throws.
 */
export async function ensureBuild(change: Change, deps: BuildDeps): Promise<EnsuredBuild> {
  const model = change.desired;
  const key = Object.hasOwn(deps.keys, change.model) ? deps.keys[change.model] : undefined;
  if (!model || !key || !change.build) throw new Error(`change for ${change.model} has no desired model or build key`);
  const refused = (build: LedgerBuild): boolean => {
    const why = deps.notDeployable?.(build) ?? null;
    if (why !== null) deps.log(`${change.model}: build #${build.number} has this key but ${why}: building it again here`);
    return why !== null;
  };
  if (change.build.reused) {
    const existing = await deps.ledger.get(change.model, change.build.number);
    if (!existing || existing.key !== change.build.key || existing.status !== 'succeeded') {
      throw new Error(`build #${change.build.number} of ${change.model} is not a finished build with key ${change.build.key.slice(0, 12)}; plan again`);
    }
    if (!refused(existing)) return { ok: true, build: existing, reused: true };
  } else {
    // Another apply may have built this key since the plan was made: reuse it rather than build twice.
    const already = await deployableWithKey(change.model, key.key, deps);
    if (already !== null) return { ok: true, build: already, reused: true };
  }
  const record = await deps.ledger.reserve(change.model, { key: key.key, inputs: key.inputs, gitCommit: deps.gitCommit });
  deps.log(`${change.model}: building #${record.number} (key ${key.key.slice(0, 12)})`);
  const built = await deps.builder.build({
    root: deps.root,
    model,
    key,
    number: record.number,
    env: buildEnv(model.serving.env, deps.envSource ?? {}),
    signal: deps.signal,
    ...(deps.sandbox ? { sandbox: deps.sandbox(model) } : {}),
    ...(deps.verifyExisting ? { verifyExisting: (image) => deps.verifyExisting!(change.model, key.key, image) } : {}),
    log: deps.buildLog
      ? (line) => deps.buildLog!(change.model, record.number, line)
      : (line) => deps.log(`${change.model} #${record.number} | ${line}`),
  });
  if (!built.ok) {
    await deps.ledger.finish(change.model, record.number, { status: 'failed', logPath: built.logPath, errorTail: built.errorTail });
    return { ok: false, number: record.number, key: key.key, message: built.message, errorTail: built.errorTail };
  }
  const build = await deps.ledger.finish(change.model, record.number, {
    status: 'succeeded',
    artifact: built.artifact,
    logPath: built.logPath,
    digest: built.digest ?? null,
  });
  return { ok: true, build, reused: false };
}

/**
 * The newest succeeded build of `model` with `key` that this target may deploy, or null (saying
 * why, once, when builds with the key exist but none may be deployed). Every such build is looked
 * at, not just the earliest one: a pull request's candidate recorded first must not hide the
 * deployable build another apply finished since the plan was made (which it did while this
 * apply's plan saw it unfinished), or this apply would build the key a second time.
 */
async function deployableWithKey(model: string, key: string, deps: BuildDeps): Promise<LedgerBuild | null> {
  const withKey = (await deps.ledger.list(model)).filter((build) => build.key === key && build.status === 'succeeded').reverse();
  const deployable = withKey.find((build) => (deps.notDeployable?.(build) ?? null) === null);
  if (deployable !== undefined) return deployable;
  const newest = withKey[0];
  if (newest !== undefined) deps.log(`${model}: build #${newest.number} has this key but ${deps.notDeployable?.(newest)}: building it again here`);
  return null;
}

/** The model's variables for its build steps: literals, and the fromEnv ones `source` has. */
function buildEnv(env: Record<string, EnvValue>, source: Record<string, string | undefined>): Record<string, string> {
  const resolved: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    const text = 'value' in value ? value.value : source[value.fromEnv];
    if (text !== undefined) resolved[name] = text;
  }
  return resolved;
}
