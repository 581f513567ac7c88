// Real git repositories in temp folders for build tests, and build keys computed by hand from
// `git hash-object`, so these tests do not depend on how src/source computes keys.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readlinkSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { BuildKey, KeyInputs, ManifestEntry } from '../../src/source/types.ts';
import type { ModelSpec } from '../../src/spec/types.ts';

export type Repo = {
  /** Realpath of the repository root. */
  root: string;
  /** A scratch folder beside the repository (outside it), removed with it. */
  outside: string;
  stateDir: string;
  git(...args: string[]): string;
  write(path: string, content: string, mode?: number): void;
  link(path: string, target: string): void;
  blob(path: string): string;
  /** Manifest entries of `paths` with the mode git would give them. */
  entries(...paths: string[]): Array<ManifestEntry & { mode: string }>;
  remove(): void;
};

/** The git mode of the file at `full`, as `git add` would record it. */
function modeOf(full: string): string {
  const stats = lstatSync(full, { throwIfNoEntry: false });
  if (stats === undefined) return '100644';
  if (stats.isSymbolicLink()) return '120000';
  return (stats.mode & 0o100) !== 0 ? '100755' : '100644';
}

/** An empty git repository in a temp folder, with `.slipway/` ignored as the README says. */
export function repo(): Repo {
  const base = realpathSync(mkdtempSync(join(tmpdir(), 'slipway-build-')));
  const root = join(base, 'repo');
  const outside = join(base, 'outside');
  mkdirSync(root);
  mkdirSync(outside);
  const git = (...args: string[]) =>
    execFileSync('git', args, { cwd: root, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] }).trim();
  git('init', '-q', '-b', 'main');
  const fixture: Repo = {
    root,
    outside,
    stateDir: join(root, '.slipway'),
    git,
    write(path, content, mode = 0o644) {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), content, { mode });
    },
    link(path, target) {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      symlinkSync(target, join(root, path));
    },
    blob(path) {
      const full = join(root, path);
      if (lstatSync(full).isSymbolicLink()) {
        return execFileSync('git', ['hash-object', '--stdin'], { cwd: root, input: readlinkSync(full), encoding: 'utf8' }).trim();
      }
      return git('hash-object', path);
    },
    entries: (...paths) => paths.map((path) => ({ path, blob: fixture.blob(path), mode: modeOf(join(root, path)) })),
    remove: () => rmSync(base, { recursive: true, force: true }),
  };
  fixture.write('.gitignore', '.slipway/\n*.bin\n');
  return fixture;
}

/** A build key over `files`, with requirements and script taken from among them by path. */
export function buildKey(
  files: Array<ManifestEntry & { mode?: string }>,
  options: { file: string; function?: string; requirements?: string; script?: string; runtime?: string },
): BuildKey {
  const find = (path: string | undefined) => (path === undefined ? null : files.find((entry) => entry.path === path) ?? { path, blob: '0'.repeat(40) });
  const inputs: KeyInputs = {
    files: files.map(({ path, blob }) => ({ path, blob })).sort((a, b) => (a.path < b.path ? -1 : 1)),
    requirements: find(options.requirements),
    script: find(options.script),
    file: options.file,
    function: options.function ?? 'predict',
    runtime: options.runtime ?? 'python3',
    baseImage: null,
    defaultBaseImage: null,
    runtimeVersion: '1',
    modes: files
      .filter((entry) => entry.mode !== undefined && entry.mode !== '100644')
      .map((entry) => ({ path: entry.path, mode: entry.mode! }))
      .sort((a, b) => (a.path < b.path ? -1 : 1)),
    submodules: [],
    checkout: { config: '', attributes: [] },
  };
  return { key: createHash('sha256').update(JSON.stringify(inputs)).digest('hex'), inputs };
}

/** A model as the spec loader would give it, with context `context` and entry `file`. */
export function modelSpec(name: string, file: string, build: Partial<ModelSpec['build']> = {}): ModelSpec {
  return {
    name,
    description: '',
    file,
    function: 'predict',
    runtime: 'python3',
    examples: [],
    state: 'running',
    position: { line: 1, column: 1 },
    build: { context: dirname(file), include: [], requirements: null, script: null, baseImage: null, ...build },
    serving: {
      replicas: 1,
      resources: { cpu: null, memory: null, gpu: 0 },
      env: {},
      concurrency: 1,
      timeoutSeconds: 30,
      busyTimeoutSeconds: 30,
      auth: true,
      maxRequestBytes: 5 * 1024 * 1024,
    },
  };
}

/** Every file and link under `folder`, relative, sorted. */
export function listTree(folder: string): string[] {
  const found: string[] = [];
  const walk = (relative: string) => {
    for (const entry of readdirSync(join(folder, relative), { withFileTypes: true })) {
      const path = relative === '' ? entry.name : `${relative}/${entry.name}`;
      if (entry.isDirectory()) walk(path);
      else found.push(path);
    }
  };
  walk('');
  return found.sort();
}

/** The interpreter a python command resolves to, as the builder records it. */
export function executableOf(python: string, cwd: string): string {
  return execFileSync(python, ['-c', 'import sys; print(sys.executable)'], { cwd, encoding: 'utf8' }).trim();
}
