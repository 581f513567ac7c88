// Where Slipway's own files are (the Python runtime, the JSON Schema, helper scripts), and how to
// start Slipway's CLI again as a child process. Both work from the sources (`src/…`, run by Node's
// type stripping) and from the Action's bundle (`dist/index.js`): the package root is found by
// walking up from this module's folder to the `package.json` named "slipway", which is `src/..` in
// one case and `dist/..` in the other.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The environment variable that switches the bundle into the CLI: `dist/index.js` is the Action's
 * entry, and runs `slipway` instead when this is `cli` (how the bundle starts the daemon).
 */
export const BUNDLE_ENTRY_VARIABLE = 'SLIPWAY_BUNDLE_ENTRY';

const here = import.meta.dirname;
// From the sources this module's file is `src/package-paths.ts`, compiled for the npm package it is
// `lib/package-paths.js`; inside the Action's bundle it is `dist/index.js`.
const extension = path.extname(import.meta.filename);
const bundled = path.basename(import.meta.filename, extension) !== 'package-paths';

let root: string | undefined;

/** Absolute path of the folder holding Slipway's `package.json`. */
export function packageRoot(): string {
  root ??= findPackageRoot(here);
  return root;
}

/** Absolute path of a file or folder shipped with Slipway, e.g. `packagePath('runtime', 'python')`. */
export function packagePath(...segments: string[]): string {
  return path.join(packageRoot(), ...segments);
}

/**
 * How to run `slipway <args>` as a child process of this one: Node with the CLI's main module (the
 * source file, or its compiled twin in the package), or, from the bundle, Node with the bundle
 * itself and the switch variable set.
 */
export function cliInvocation(args: string[]): { command: string; args: string[]; env: Record<string, string> } {
  if (bundled) return { command: process.execPath, args: [import.meta.filename, ...args], env: { [BUNDLE_ENTRY_VARIABLE]: 'cli' } };
  return { command: process.execPath, args: [path.join(here, 'cli', `main${extension}`), ...args], env: {} };
}

function findPackageRoot(start: string): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest) && nameOf(manifest) === 'slipway') return dir;
    if (path.dirname(dir) === dir) {
      throw new Error(`cannot find Slipway's package.json (name "slipway") in ${start} or above it; reinstall Slipway`);
    }
  }
}

function nameOf(manifest: string): unknown {
  try {
    return (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown }).name;
  } catch {
    return undefined;
  }
}
