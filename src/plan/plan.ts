// The planner: desired state, build keys and observed state in, one change per model out.
// Pure and synchronous; everything it needs arrives as arguments.
import type { ModelSpec, Spec } from '../spec/types.ts';
import type { BuildKey, BuildKeys } from '../source/types.ts';
import { driftReasons } from './drift-reasons.ts';
import { keyReasons } from './key-reasons.ts';
import { servingReasons } from './serving-reasons.ts';
import { reasonText, type Reason } from './reason.ts';
import type { Action, Change, ChangeBuild, Observed, ObservedBuild, ObservedModel, Plan } from './types.ts';

/**
 * Plans every model declared in `desired` or known to `observed`: exactly one change each,
 * sorted by model name, with reasons a person can read. Observed models that were deleted and
 * are not declared any more are left out. Throws when a declared model has no build key, which
 * is a bug in the caller: keys are computed for every declared model before planning.
 */
export function plan(desired: Spec, keys: BuildKeys, observed: Observed): Plan {
  const declared = new Map(desired.models.map((model) => [model.name, model]));
  const known = new Map(observed.models.map((model) => [model.name, model]));
  const names = new Set(declared.keys());
  for (const model of observed.models) if (!model.deleted) names.add(model.name);

  const changes = [...names].sort(byCodePoint).map((name): Change => {
    const spec = declared.get(name);
    const seen = known.get(name);
    if (spec === undefined) {
      return change({ model: name }, 'delete', null, [{ kind: 'deleted' }]);
    }
    // `constructor` is a valid model name: only the object's own entries count.
    const key = Object.hasOwn(keys, name) ? keys[name] : undefined;
    if (key === undefined) {
      throw new Error(`plan: no build key for model "${name}"; compute build keys for every declared model first`);
    }
    return planModel(spec, key, seen);
  });
  return { changes };
}

/** True when applying `p` would do anything: some change is not a `noop`. */
export function hasChanges(p: Plan): boolean {
  return p.changes.some((change) => change.action !== 'noop');
}

function planModel(spec: ModelSpec, key: BuildKey, seen: ObservedModel | undefined): Change {
  const base = { model: spec.name, desired: spec };
  const deployment = seen?.deployment ?? null;
  if (seen === undefined || seen.deleted || deployment === null) {
    const pick = pickBuild(seen?.builds ?? [], key.key);
    const origin: Reason = {
      kind: 'origin',
      origin: seen?.deleted ? 're-created' : seen === undefined || seen.builds.length === 0 ? 'new' : 'not-deployed',
    };
    const state: Reason[] = spec.state === 'stopped' ? [{ kind: 'state', to: 'stopped' }] : [];
    return change(base, 'create', pick.build, [origin, ...pick.reasons, ...state]);
  }

  const deployed = seen.builds.find((build) => build.number === deployment.build);
  const serving = servingReasons(deployment.serving, spec.serving);
  const stateChanged = deployment.state !== spec.state;
  const state: Reason[] = stateChanged
    ? [{ kind: 'state', from: deployment.state, to: spec.state }]
    : spec.state === 'stopped' ? [{ kind: 'stays-stopped' }] : [];

  if (deployed === undefined || deployed.key !== key.key) {
    const pick = pickBuild(seen.builds, key.key);
    const changed: Reason[] = deployed === undefined
      ? [{ kind: 'build-unrecorded', number: deployment.build }]
      : keyReasons(deployed.inputs, key.inputs, spec.build.context);
    if (changed.length === 0) changed.push({ kind: 'key-changed' });
    // A rollback goes back to an older build. A newer build with the key was built ahead of the
    // deploy (by a pull request's check): deploying it is the rebuild, with nothing left to build.
    const action = pick.build.reused && pick.build.number < deployment.build ? 'rollback' : 'rebuild';
    return change(base, action, pick.build, [...pick.reasons, ...changed, ...serving, ...state]);
  }

  const build: ChangeBuild = { number: deployed.number, key: deployed.key, reused: true };
  if (serving.length > 0) return change(base, 'reconfigure', build, [...serving, ...state]);
  if (stateChanged) return change(base, spec.state === 'running' ? 'start' : 'stop', build, state);
  const drift = driftReasons(deployment, seen.live);
  if (drift.length > 0) return change(base, 'repair', build, drift);
  return change(base, 'noop', build, []);
}

/** A change with its reasons as data (`why`) and as the text every renderer shows (`reasons`). */
function change(base: Pick<Change, 'model' | 'desired'>, action: Action, build: ChangeBuild | null, why: Reason[]): Change {
  return { ...base, action, build, reasons: why.map(reasonText), why };
}

/**
 * The build that will run with `key`: a succeeded build that has it, reused; else the next
 * number. A failed or unfinished build with the key is retried as a new number, and said so.
 */
function pickBuild(builds: ObservedBuild[], key: string): { build: ChangeBuild; reasons: Reason[] } {
  const withKey = builds.filter((build) => build.key === key).sort((a, b) => b.number - a.number);
  const succeeded = withKey.find((build) => build.status === 'succeeded' && build.notReusable === undefined);
  if (succeeded !== undefined) {
    const build = { number: succeeded.number, key, reused: true };
    return { build, reasons: [{ kind: 'build-reused', number: succeeded.number }] };
  }
  const number = builds.reduce((max, build) => Math.max(max, build.number), 0) + 1;
  // A succeeded build the target may not deploy (a pull request's candidate image) is built again.
  const refused = withKey.find((build) => build.status === 'succeeded');
  if (refused?.notReusable !== undefined) {
    return { build: { number, key, reused: false }, reasons: [{ kind: 'build-not-reusable', number: refused.number, why: refused.notReusable }] };
  }
  const last = withKey[0];
  const outcome = last?.status === 'failed' ? 'failed' : last?.status === 'pruned' ? 'pruned' : 'unfinished';
  const reasons: Reason[] = last === undefined ? [] : [{ kind: 'build-retried', number: last.number, outcome }];
  return { build: { number, key, reused: false }, reasons };
}

function byCodePoint(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
