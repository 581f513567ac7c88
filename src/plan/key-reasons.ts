// Why a build key changed, as Reasons (plan/reason.ts): which files were added, modified or
// removed since the deployed build, and which entry-point or toolchain inputs differ.
import type { InterpreterIdentity, KeyInputs } from '../source/types.ts';
import type { FileChange, Reason } from './reason.ts';

/** A reason line per file beyond this many would bury the rest of the plan; the rest are counted. */
const MAX_FILE_REASONS = 10;

/**
 * Reasons a build made from `next` differs from the build made from `previous`, e.g.
 * `predict.py modified`, `function predict → score`. File paths are shown relative to `context`
 * (the model's build folder, relative to the repository root) when inside it.
 */
export function keyReasons(previous: KeyInputs, next: KeyInputs, context: string): Reason[] {
  const reasons: Reason[] = [];
  const entry = (field: Extract<Reason, { kind: 'entry' }>['field'], from: string, to: string): void => {
    if (from !== to) reasons.push({ kind: 'entry', field, from, to });
  };
  entry('file', previous.file, next.file);
  entry('function', previous.function, next.function);
  entry('runtime', previous.runtime, next.runtime);
  const before = previous.baseImage ?? previous.defaultBaseImage ?? 'default';
  const after = next.baseImage ?? next.defaultBaseImage ?? 'default';
  entry('base-image', before, after);
  if (before === after && previous.baseDigest !== next.baseDigest && next.baseDigest !== undefined) {
    reasons.push({ kind: 'base-digest', image: after, from: previous.baseDigest, to: next.baseDigest });
  }
  entry('slipway-runtime', previous.runtimeVersion, next.runtimeVersion);
  const python = interpreterReason('python', previous.python, next.python);
  if (python !== null) reasons.push(python);
  const r = interpreterReason('R', previous.r, next.r);
  if (r !== null) reasons.push(r);
  const fileReasons = [...fileChanges(blobsByPath(previous), blobsByPath(next), context), ...checkoutReasons(previous, next, context)];
  reasons.push(...fileReasons.slice(0, MAX_FILE_REASONS));
  const hidden = fileReasons.length - MAX_FILE_REASONS;
  if (hidden > 0) reasons.push({ kind: 'more-files', count: hidden });
  return reasons;
}

/** `python 3.11.7 → 3.11.2` (or `R 4.2.2 → 4.3.1`), another executable, or other packages it sees. */
function interpreterReason(name: string, before: InterpreterIdentity | undefined, after: InterpreterIdentity | undefined): Reason | null {
  if (before === undefined && after === undefined) return null;
  if (before === undefined) return { kind: 'interpreter', name, change: 'added', to: after!.version, executable: after!.executable };
  if (after === undefined) return { kind: 'interpreter', name, change: 'dropped', from: before.version };
  if (before.version !== after.version) return { kind: 'interpreter', name, change: 'version', from: before.version, to: after.version };
  if (before.executable !== after.executable) return { kind: 'interpreter', name, change: 'executable', from: before.executable, to: after.executable };
  if (before.packages !== after.packages) return { kind: 'interpreter', name, change: 'packages', to: after.version, executable: after.executable };
  return null;
}

// Requirements and script are usually among the files too; merging by path lists each once.
function blobsByPath(inputs: KeyInputs): Map<string, string> {
  const blobs = new Map<string, string>();
  for (const entry of inputs.files) blobs.set(entry.path, entry.blob);
  if (inputs.requirements) blobs.set(inputs.requirements.path, inputs.requirements.blob);
  if (inputs.script) blobs.set(inputs.script.path, inputs.script.blob);
  return blobs;
}

function fileChanges(previous: Map<string, string>, next: Map<string, string>, context: string): Reason[] {
  const paths = [...new Set([...previous.keys(), ...next.keys()])].sort();
  const reasons: Reason[] = [];
  for (const path of paths) {
    const before = previous.get(path);
    const after = next.get(path);
    const change: FileChange | null = before === undefined ? 'added' : after === undefined ? 'removed' : before !== after ? 'modified' : null;
    if (change !== null) reasons.push({ kind: 'file', path: displayPath(path, context), change });
  }
  return reasons;
}

function displayPath(path: string, context: string): string {
  const folder = context.replace(/\/+$/, '');
  if (folder === '' || folder === '.') return path;
  return path.startsWith(`${folder}/`) ? path.slice(folder.length + 1) : path;
}

/** Mode, submodule and checkout-setting changes; builds keyed before these existed say so once. */
function checkoutReasons(previous: KeyInputs, next: KeyInputs, context: string): Reason[] {
  if (previous.modes === undefined || previous.checkout === undefined || previous.submodules === undefined) {
    return next.modes === undefined ? [] : [{ kind: 'key-widened' }];
  }
  const reasons: Reason[] = [];
  const before = new Map(previous.modes.map((m) => [m.path, m.mode]));
  const after = new Map((next.modes ?? []).map((m) => [m.path, m.mode]));
  const blobs = blobsByPath(next);
  for (const path of [...new Set([...before.keys(), ...after.keys()])].sort()) {
    const from = before.get(path) ?? '100644';
    const to = after.get(path) ?? '100644';
    if (from !== to && blobs.has(path) && blobsByPath(previous).has(path)) reasons.push({ kind: 'file-mode', path: displayPath(path, context), from, to });
  }
  const commits = new Map(previous.submodules.map((s) => [s.path, s.commit]));
  for (const module of next.submodules ?? []) {
    const was = commits.get(module.path);
    const shown = displayPath(module.path, context);
    if (was === undefined) reasons.push({ kind: 'submodule', path: shown, change: 'added' });
    else if (was !== module.commit) reasons.push({ kind: 'submodule', path: shown, change: 'modified', from: was.slice(0, 7), to: module.commit.slice(0, 7) });
    const before = previous.submodules.find((s) => s.path === module.path)?.config;
    if (was === undefined || before === module.config) continue;
    reasons.push({ kind: 'submodule-settings', path: shown, from: before, to: module.config ?? '' });
  }
  for (const path of commits.keys()) {
    if (!(next.submodules ?? []).some((m) => m.path === path)) reasons.push({ kind: 'submodule', path: displayPath(path, context), change: 'removed' });
  }
  if (previous.checkout.config !== next.checkout?.config) reasons.push({ kind: 'checkout-settings', from: previous.checkout.config, to: next.checkout?.config ?? '' });
  const was = new Map(previous.checkout.attributes.map((a) => [a.path, a.attributes]));
  const now = new Map((next.checkout?.attributes ?? []).map((a) => [a.path, a.attributes]));
  const kept = blobsByPath(previous);
  for (const path of [...new Set([...was.keys(), ...now.keys()])].sort()) {
    if (!kept.has(path) || !blobs.has(path) || was.get(path) === now.get(path)) continue;
    reasons.push({ kind: 'checkout-attributes', path: displayPath(path, context), from: was.get(path) ?? '', to: now.get(path) ?? '' });
  }
  return reasons;
}
