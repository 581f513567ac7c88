// Why a change is planned, as data: what changed (a file, an entry point, the toolchain, a serving
// field, an env variable, the state), what drifted, and which build is reused or retried. `plan()`
// keeps these as `Change.why`, and renders each with `reasonText` into `Change.reasons`, the text
// every renderer has always shown (and `--json` keeps, beside `why`).

/** How one path differs between two builds. */
export type FileChange = 'added' | 'removed' | 'modified';

export type Reason =
  /** Why a model is created: `new model`, `not deployed yet`, `re-created after delete`. */
  | { kind: 'origin'; origin: 'new' | 'not-deployed' | 're-created' }
  | { kind: 'deleted' }
  /** A build with the key exists and is deployed as is. */
  | { kind: 'build-reused'; number: number }
  /** The last build with the key did not give a deployable build, so a new number is built. */
  | { kind: 'build-retried'; number: number; outcome: 'failed' | 'pruned' | 'unfinished' }
  | { kind: 'build-unrecorded'; number: number }
  /** A build with the key that this target may not deploy (`why`, as the target words it), so it is built again. */
  | { kind: 'build-not-reusable'; number: number; why: string }
  /** The key changed for none of the reasons Slipway can name. */
  | { kind: 'key-changed' }
  /** The model's file, function or runtime, the base image or Slipway's runtime version. */
  | { kind: 'entry'; field: 'file' | 'function' | 'runtime' | 'base-image' | 'slipway-runtime'; from: string; to: string }
  /** The same base image name at another digest; `from` absent when it was not pinned before. */
  | { kind: 'base-digest'; image: string; from?: string; to: string }
  /** A submodule's eol settings; `from` absent for builds keyed before they were covered. */
  | { kind: 'submodule-settings'; path: string; from?: string; to: string }
  /** The interpreter (`python`, `R`) in the key: its version, executable or packages. */
  | { kind: 'interpreter'; name: string; change: 'added' | 'dropped' | 'version' | 'executable' | 'packages'; from?: string; to?: string; executable?: string }
  | { kind: 'file'; path: string; change: FileChange }
  /** File reasons beyond the first ten, counted. */
  | { kind: 'more-files'; count: number }
  | { kind: 'file-mode'; path: string; from: string; to: string }
  | { kind: 'submodule'; path: string; change: FileChange; from?: string; to?: string }
  | { kind: 'checkout-settings'; from: string; to: string }
  | { kind: 'checkout-attributes'; path: string; from: string; to: string }
  /** Builds keyed before modes, submodules and checkout settings were in the key. */
  | { kind: 'key-widened' }
  /** A serving setting; values as shown (`none` for null). */
  | { kind: 'serving'; field: string; from: string; to: string }
  /** An env variable; never its value. `source`: the variable it is read from changed. */
  | { kind: 'env'; name: string; change: 'added' | 'removed' | 'value' | 'secret' | 'source' | 'now-from-env' | 'no-longer-from-env'; from?: string; to?: string }
  /** The declared state; `from` absent for a model not deployed yet. */
  | { kind: 'state'; from?: string; to: string }
  | { kind: 'stays-stopped' }
  /** What runs differs from what was last applied. */
  | { kind: 'drift'; drift: 'missing' | 'running-while-stopped' | 'stopped-while-running' }
  | { kind: 'drift'; drift: 'replicas'; replicas: number; declared: number }
  | { kind: 'drift'; drift: 'ready'; ready: number; declared: number }
  | { kind: 'drift'; drift: 'other-deployment'; running: number; applied: number }
  | { kind: 'drift'; drift: 'serving'; applied: number }
  /** A change to the running template made outside Slipway, as the backend words it. */
  | { kind: 'drift'; drift: 'template'; text: string };

/** A reason in the words the plan has always used, e.g. `predict.py modified`, `replicas 1 → 3`. */
export function reasonText(r: Reason): string {
  switch (r.kind) {
    case 'origin':
      return r.origin === 'new' ? 'new model' : r.origin === 'not-deployed' ? 'not deployed yet' : 're-created after delete';
    case 'deleted':
      return 'no longer declared in models.yaml';
    case 'build-reused':
      return `build #${r.number} has this key`;
    case 'build-retried':
      return `build #${r.number} with this key ${r.outcome === 'failed' ? 'failed' : r.outcome === 'pruned' ? 'was pruned' : 'did not finish'}`;
    case 'build-not-reusable':
      return `build #${r.number} ${r.why}`;
    case 'build-unrecorded':
      return `deployed build #${r.number} has no record`;
    case 'key-changed':
      return 'build key changed';
    case 'entry':
      return `${ENTRY_NAMES[r.field]} ${r.from} → ${r.to}`;
    case 'base-digest':
      return r.from === undefined
        ? `base image ${r.image} now pinned by digest (${r.to.slice(0, 19)}…)`
        : `base image ${r.image} moved: ${r.from.slice(0, 19)}… → ${r.to.slice(0, 19)}…`;
    case 'submodule-settings':
      return r.from === undefined ? `submodule ${r.path}: the build key now covers its eol settings` : `submodule ${r.path} git eol settings "${r.from}" → "${r.to}"`;
    case 'interpreter':
      return interpreterText(r);
    case 'file':
      return `${r.path} ${r.change}`;
    case 'more-files':
      return `${r.count} more ${r.count === 1 ? 'file' : 'files'} changed`;
    case 'file-mode':
      return `${r.path} mode ${r.from} → ${r.to}`;
    case 'submodule':
      return r.change === 'modified' ? `submodule ${r.path} ${r.from} → ${r.to}` : `submodule ${r.path} ${r.change}`;
    case 'checkout-settings':
      return `git eol settings "${r.from}" → "${r.to}"`;
    case 'checkout-attributes':
      return `${r.path} checkout attributes "${r.from}" → "${r.to}"`;
    case 'key-widened':
      return 'the build key now covers file modes, submodules and checkout settings';
    case 'serving':
      return `${r.field} ${r.from} → ${r.to}`;
    case 'env':
      return envText(r);
    case 'state':
      return r.from === undefined ? `state ${r.to}` : `state ${r.from} → ${r.to}`;
    case 'stays-stopped':
      return 'stays stopped';
    case 'drift':
      return driftText(r);
  }
}

const ENTRY_NAMES = { file: 'file', function: 'function', runtime: 'runtime', 'base-image': 'base image', 'slipway-runtime': 'Slipway runtime' } as const;

function interpreterText(r: Extract<Reason, { kind: 'interpreter' }>): string {
  switch (r.change) {
    case 'added':
      return `${r.name} ${r.to} (${r.executable}) now part of the build key`;
    case 'dropped':
      return `${r.name} ${r.from} no longer part of the build key`;
    case 'packages':
      return `${r.name} ${r.to} packages changed (${r.executable})`;
    default:
      return `${r.name} ${r.from} → ${r.to}`;
  }
}

function envText(r: Extract<Reason, { kind: 'env' }>): string {
  switch (r.change) {
    case 'added':
    case 'removed':
      return `env ${r.name} ${r.change}`;
    case 'value':
      return `env ${r.name} changed`;
    case 'secret':
      return `env ${r.name} changed (secret)`;
    case 'source':
      return `env ${r.name} changed (now from ${r.to}, was ${r.from})`;
    case 'now-from-env':
      return `env ${r.name} changed (now from ${r.to})`;
    case 'no-longer-from-env':
      return `env ${r.name} changed (no longer from the environment)`;
  }
}

function driftText(r: Extract<Reason, { kind: 'drift' }>): string {
  switch (r.drift) {
    case 'missing':
      return 'deployment missing';
    case 'running-while-stopped':
      return 'running while declared stopped';
    case 'stopped-while-running':
      return 'stopped while declared running (slipway stop, or by hand)';
    case 'replicas':
      return `replicas changed outside Slipway: ${r.replicas}, declared ${r.declared}`;
    case 'ready':
      return `${r.ready} of ${r.declared} replicas ready`;
    case 'other-deployment':
      return `running deployment #${r.running}, last applied #${r.applied}`;
    case 'serving':
      return `serving settings changed outside Slipway, last applied #${r.applied}`;
    case 'template':
      return r.text;
  }
}

/**
 * The lines a renderer shows for a change: its reasons as data, rendered; a plan read from JSON
 * made before `why` existed has only the text.
 */
export function reasonLines(change: { reasons: string[]; why?: Reason[] }): string[] {
  return change.why ? change.why.map(reasonText) : change.reasons;
}
