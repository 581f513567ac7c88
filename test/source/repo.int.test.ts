import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { headCommit, NotAGitRepositoryError, openRepo } from '../../src/source/repo.ts';
import { gitFixture, type GitFixture } from '../support/git-fixture.ts';

const cleanups: Array<() => void> = [];
test.after.each(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});
const fixture = (): GitFixture => {
  const repo = gitFixture();
  cleanups.push(repo.remove);
  return repo;
};

test('openRepo finds the root from a sub-folder, through a symlinked path', async () => {
  const repo = fixture();
  mkdirSync(join(repo.root, 'models/a'), { recursive: true });
  const link = join(mkdtempSync(join(tmpdir(), 'slipway-link-')), 'repo');
  cleanups.push(() => rmSync(join(link, '..'), { recursive: true, force: true }));
  symlinkSync(repo.root, link);
  const opened = await openRepo(join(link, 'models/a'));
  assert.is(opened.root, realpathSync(repo.root));
  assert.is((await opened.git.raw(['rev-parse', '--show-prefix'])).trim(), '');
});

test('headCommit is null before the first commit, then the HEAD commit', async () => {
  const repo = fixture();
  const opened = await openRepo(repo.root);
  assert.is(await headCommit(opened), null);
  repo.write('a.txt', 'a\n');
  const first = repo.commitAll('first');
  assert.match(first, /^[0-9a-f]{40}$/);
  assert.is(await headCommit(opened), first);
});

test('outside a repository openRepo throws NotAGitRepositoryError saying what to do', async () => {
  const folder = realpathSync(mkdtempSync(join(tmpdir(), 'slipway-norepo-')));
  cleanups.push(() => rmSync(folder, { recursive: true, force: true }));
  for (const cwd of [folder, join(folder, 'missing')]) {
    try {
      await openRepo(cwd);
      assert.unreachable('openRepo should throw');
    } catch (error) {
      assert.instance(error, NotAGitRepositoryError);
      const typed = error as NotAGitRepositoryError;
      assert.is(typed.cwd, cwd);
      assert.match(typed.message, cwd);
      assert.match(typed.message, /git init/);
    }
  }
});

test.run();
