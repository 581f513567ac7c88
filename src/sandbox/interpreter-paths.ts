// The folders an interpreter needs inside a sandbox, found from the files on disk and never by
// running it: a pull request's virtualenv may hold `.pth` files that execute at start-up, and
// they must only ever run inside the sandbox.
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import path from 'node:path';

/** Where an installation keeps what it runs with; `include` and `share` are not needed to run. */
const PREFIX_PARTS = ['bin', 'lib', 'lib64'];

/**
 * Folders to mount read-only so `python` runs: its virtualenv (when it is one) and the
 * installation it is based on, as `bin`, `lib`, `lib64` of each prefix (never a whole prefix,
 * which for `~/bin/python` would be the home folder). Paths under `/usr` are left out: the
 * sandbox mounts `/usr` anyway.
 */
export function interpreterPaths(python: string): string[] {
  const found = new Set<string>();
  const executable = path.resolve(python);
  const venvRoot = path.dirname(path.dirname(executable));
  const venvConfig = path.join(venvRoot, 'pyvenv.cfg');
  if (existsSync(venvConfig)) {
    found.add(venvConfig);
    addPrefix(found, venvRoot);
    const home = /^home\s*=\s*(.+)$/m.exec(readFileSync(venvConfig, 'utf8'))?.[1]?.trim();
    if (home) addPrefix(found, path.dirname(safeRealpath(home)));
  }
  addPrefix(found, path.dirname(path.dirname(safeRealpath(executable))));
  return [...found].filter((p) => !isUnder(safeRealpath(p), '/usr')).sort();
}

function addPrefix(found: Set<string>, prefix: string): void {
  for (const part of PREFIX_PARTS) {
    const dir = path.join(prefix, part);
    if (!existsSync(dir)) continue;
    // `/lib` is a link to `/usr/lib` on merged-/usr systems: mounted as what it points to.
    found.add(dir);
    found.add(safeRealpath(dir));
  }
}

function safeRealpath(file: string): string {
  try {
    return realpathSync(file);
  } catch {
    return file;
  }
}

function isUnder(child: string, parent: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}
