// The git repository Slipway works in. Everything else in `source/` runs git through this handle,
// always from the repository root, so paths git prints are root-relative.
import { realpath, stat } from 'node:fs/promises';
import { GitPluginError, simpleGit, type SimpleGit } from 'simple-git';
import { overLimit, stepLimitSeconds } from '../build/step-limits.ts';

export type Repo = {
  /** Absolute, symlink-free path of the working tree's root. */
  root: string;
  /** A simple-git client whose working directory is `root`. */
  git: SimpleGit;
};

/** Thrown when Slipway runs outside a git working tree; the CLI prints the message as is. */
export class NotAGitRepositoryError extends Error {
  readonly cwd: string;
  constructor(cwd: string, detail: string) {
    super(
      `${cwd} is not inside a git repository (${detail}): ` +
        'cd into your project repository, or run `git init` there first',
    );
    this.name = 'NotAGitRepositoryError';
    this.cwd = cwd;
  }
}

/**
 * Opens the git repository that contains `cwd`.
 * @throws NotAGitRepositoryError when `cwd` does not exist or is not inside a git working tree.
 */
export async function openRepo(cwd: string): Promise<Repo> {
  try {
    if (!(await stat(cwd)).isDirectory()) throw new NotAGitRepositoryError(cwd, 'not a folder');
  } catch (error) {
    if (error instanceof NotAGitRepositoryError) throw error;
    throw new NotAGitRepositoryError(cwd, 'the folder does not exist');
  }
  let top: string;
  try {
    top = (await gitClient(cwd).raw(['rev-parse', '--show-toplevel'])).trim();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (/not a git repository|must be run in a work tree/i.test(message)) {
      throw new NotAGitRepositoryError(cwd, message.replace(/^fatal:\s*/, '').trim());
    }
    throw error;
  }
  // Inside `.git` git answers with an empty top level instead of failing.
  if (top === '') throw new NotAGitRepositoryError(cwd, 'inside the .git folder, not the working tree');
  const root = await realpath(top);
  return { root, git: gitClient(root) };
}

/**
 * simple-git in `baseDir`, with git's time limit: a git that prints nothing for that long (a
 * filter process or a network mount that hangs) is killed, and the error names the limit.
 */
export function gitClient(baseDir: string, signal?: AbortSignal): SimpleGit {
  const seconds = stepLimitSeconds('git');
  return simpleGit({
    baseDir,
    timeout: { block: seconds * 1000 },
    ...(signal ? { abort: signal } : {}),
    // Runs after simple-git's own error detection; only its timeout error is reworded.
    errors: (error) => {
      if (error instanceof GitPluginError && error.plugin === 'timeout') {
        return Buffer.from(`git ${error.task?.commands.join(' ') ?? ''} ${overLimit(seconds)}`);
      }
      return error;
    },
  });
}

/** The commit HEAD points at, or null in a repository that has no commit yet. */
export async function headCommit(repo: Repo): Promise<string | null> {
  // `-q` makes git exit quietly on an unborn HEAD, so simple-git resolves with empty output.
  const out = (await repo.git.raw(['rev-parse', '--verify', '-q', 'HEAD^{commit}'])).trim();
  return out === '' ? null : out;
}
