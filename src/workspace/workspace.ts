// Finds the repository and its models file from wherever the command runs, so every command works
// from any folder inside the repository.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { openRepo, NotAGitRepositoryError, type Repo } from '../source/repo.ts';
import { UserError } from './user-error.ts';

export type Workspace = {
  repo: Repo;
  /** Absolute path of the repository root. */
  root: string;
  /** Absolute path of the models file. */
  modelsFile: string;
  /** The models file as messages name it: relative to the working directory. */
  display: string;
};

const defaultName = 'models.yaml';

/**
 * The repository around `cwd` and its models file: `file` when given (relative to `cwd`), else the
 * nearest `models.yaml` from `cwd` up to the repository root. Commands that only need the
 * repository (status, logs, keys) pass `needModels: false`.
 */
export async function openWorkspace(opts: { file?: string; cwd?: string; needModels?: boolean }): Promise<Workspace> {
  const cwd = opts.cwd ?? process.cwd();
  let repo: Repo;
  try {
    repo = await openRepo(cwd);
  } catch (error) {
    if (error instanceof NotAGitRepositoryError) throw new UserError(error.message);
    throw error;
  }
  const modelsFile = opts.file ? path.resolve(cwd, opts.file) : findModelsFile(cwd, repo.root);
  if (opts.needModels !== false && !existsSync(modelsFile)) {
    throw new UserError(
      opts.file
        ? `${opts.file}: no such file (give the path of your models file with -f)`
        : `no ${defaultName} between ${cwd} and the repository root ${repo.root} (create one, or give its path with -f)`,
    );
  }
  return { repo, root: repo.root, modelsFile, display: path.relative(cwd, modelsFile) || modelsFile };
}

function findModelsFile(cwd: string, root: string): string {
  let dir = path.resolve(cwd);
  for (;;) {
    const candidate = path.join(dir, defaultName);
    if (existsSync(candidate)) return candidate;
    if (dir === root || path.dirname(dir) === dir || !dir.startsWith(root)) return path.join(root, defaultName);
    dir = path.dirname(dir);
  }
}
