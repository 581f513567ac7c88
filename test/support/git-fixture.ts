// Real git repositories in temp folders for source tests.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export type GitFixture = {
  root: string;
  git(...args: string[]): string;
  write(path: string, content: string): void;
  commitAll(message: string): string;
  remove(): void;
};

/** An empty repository with an identity, so commits work on any machine. */
export function gitFixture(): GitFixture {
  const root = realpathSync(mkdtempSync(join(tmpdir(), 'slipway-source-')));
  const git = (...args: string[]) =>
    execFileSync('git', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  git('init', '-q', '-b', 'main');
  git('config', 'user.name', 'Slipway Test');
  git('config', 'user.email', 'test@slipway.invalid');
  git('config', 'commit.gpgsign', 'false');
  return {
    root,
    git,
    write(path, content) {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), content);
    },
    commitAll(message) {
      git('add', '-A');
      git('commit', '-q', '-m', message);
      return git('rev-parse', 'HEAD');
    },
    remove: () => rmSync(root, { recursive: true, force: true }),
  };
}
