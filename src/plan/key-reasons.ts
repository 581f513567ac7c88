// Why a build key changed, in words: which files were added, modified or removed since the
// deployed build, and which entry-point or toolchain inputs differ.
import type { InterpreterIdentity, KeyInputs } from '../source/types.ts';

/** A reason line per file beyond this many would bury the rest of the plan; the rest are counted. */
const MAX_FILE_REASONS = 10;

/**
 * Reasons a build made from `next` differs from the build made from `previous`, e.g.
 * `predict.py modified`, `function predict → score`. File paths are shown relative to `context`
 * (the model's build folder, relative to the repository root) when inside it.
 */
export function keyReasons(previous: KeyInputs, next: KeyInputs, context: string): string[] {
  const reasons: string[] = [];
  if (previous.file !== next.file) reasons.push(`file ${previous.file} → ${next.file}`);
  if (previous.function !== next.function) reasons.push(`function ${previous.function} → ${next.function}`);
  if (previous.runtime !== next.runtime) reasons.push(`runtime ${previous.runtime} → ${next.runtime}`);
  const before = previous.baseImage ?? previous.defaultBaseImage ?? 'default';
  const after = next.baseImage ?? next.defaultBaseImage ?? 'default';
  if (before !== after) reasons.push(`base image ${before} → ${after}`);
  else if (previous.baseDigest !== next.baseDigest && next.baseDigest !== undefined) {
    reasons.push(previous.baseDigest === undefined
      ? `base image ${after} now pinned by digest (${next.baseDigest.slice(0, 19)}…)`
      : `base image ${after} moved: ${previous.baseDigest.slice(0, 19)}… → ${next.baseDigest.slice(0, 19)}…`);
  }
  if (previous.runtimeVersion !== next.runtimeVersion) {
    reasons.push(`Slipway runtime ${previous.runtimeVersion} → ${next.runtimeVersion}`);
  }
  const python = interpreterReason('python', previous.python, next.python);
  if (python !== null) reasons.push(python);
  const r = interpreterReason('R', previous.r, next.r);
  if (r !== null) reasons.push(r);
  const fileReasons = [...fileChanges(blobsByPath(previous), blobsByPath(next), context), ...checkoutReasons(previous, next, context)];
  reasons.push(...fileReasons.slice(0, MAX_FILE_REASONS));
  const hidden = fileReasons.length - MAX_FILE_REASONS;
  if (hidden > 0) reasons.push(`${hidden} more ${hidden === 1 ? 'file' : 'files'} changed`);
  return reasons;
}

/** `python 3.11.7 → 3.11.2` (or `R 4.2.2 → 4.3.1`), another executable, or other packages it sees. */
function interpreterReason(name: string, before: InterpreterIdentity | undefined, after: InterpreterIdentity | undefined): string | null {
  if (before === undefined && after === undefined) return null;
  if (before === undefined) return `${name} ${after!.version} (${after!.executable}) now part of the build key`;
  if (after === undefined) return `${name} ${before.version} no longer part of the build key`;
  if (before.version !== after.version) return `${name} ${before.version} → ${after.version}`;
  if (before.executable !== after.executable) return `${name} ${before.executable} → ${after.executable}`;
  if (before.packages !== after.packages) return `${name} ${after.version} packages changed (${after.executable})`;
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

function fileChanges(previous: Map<string, string>, next: Map<string, string>, context: string): string[] {
  const paths = [...new Set([...previous.keys(), ...next.keys()])].sort();
  const reasons: string[] = [];
  for (const path of paths) {
    const before = previous.get(path);
    const after = next.get(path);
    const shown = displayPath(path, context);
    if (before === undefined) reasons.push(`${shown} added`);
    else if (after === undefined) reasons.push(`${shown} removed`);
    else if (before !== after) reasons.push(`${shown} modified`);
  }
  return reasons;
}

function displayPath(path: string, context: string): string {
  const folder = context.replace(/\/+$/, '');
  if (folder === '' || folder === '.') return path;
  return path.startsWith(`${folder}/`) ? path.slice(folder.length + 1) : path;
}

/** Mode, submodule and checkout-setting changes; builds keyed before these existed say so once. */
function checkoutReasons(previous: KeyInputs, next: KeyInputs, context: string): string[] {
  if (previous.modes === undefined || previous.checkout === undefined || previous.submodules === undefined) {
    return next.modes === undefined ? [] : ['the build key now covers file modes, submodules and checkout settings'];
  }
  const reasons: string[] = [];
  const before = new Map(previous.modes.map((m) => [m.path, m.mode]));
  const after = new Map((next.modes ?? []).map((m) => [m.path, m.mode]));
  const blobs = blobsByPath(next);
  for (const path of [...new Set([...before.keys(), ...after.keys()])].sort()) {
    const from = before.get(path) ?? '100644';
    const to = after.get(path) ?? '100644';
    if (from !== to && blobs.has(path) && blobsByPath(previous).has(path)) reasons.push(`${displayPath(path, context)} mode ${from} → ${to}`);
  }
  const commits = new Map(previous.submodules.map((s) => [s.path, s.commit]));
  for (const module of next.submodules ?? []) {
    const was = commits.get(module.path);
    if (was === undefined) reasons.push(`submodule ${displayPath(module.path, context)} added`);
    else if (was !== module.commit) reasons.push(`submodule ${displayPath(module.path, context)} ${was.slice(0, 7)} → ${module.commit.slice(0, 7)}`);
    const before = previous.submodules.find((s) => s.path === module.path)?.config;
    if (was === undefined || before === module.config) continue;
    if (before === undefined) reasons.push(`submodule ${displayPath(module.path, context)}: the build key now covers its eol settings`);
    else reasons.push(`submodule ${displayPath(module.path, context)} git eol settings "${before}" → "${module.config ?? ''}"`);
  }
  for (const path of commits.keys()) if (!(next.submodules ?? []).some((m) => m.path === path)) reasons.push(`submodule ${displayPath(path, context)} removed`);
  if (previous.checkout.config !== next.checkout?.config) reasons.push(`git eol settings "${previous.checkout.config}" → "${next.checkout?.config ?? ''}"`);
  const was = new Map(previous.checkout.attributes.map((a) => [a.path, a.attributes]));
  const now = new Map((next.checkout?.attributes ?? []).map((a) => [a.path, a.attributes]));
  const kept = blobsByPath(previous);
  for (const path of [...new Set([...was.keys(), ...now.keys()])].sort()) {
    if (!kept.has(path) || !blobs.has(path) || was.get(path) === now.get(path)) continue;
    reasons.push(`${displayPath(path, context)} checkout attributes "${was.get(path) ?? ''}" → "${now.get(path) ?? ''}"`);
  }
  return reasons;
}
