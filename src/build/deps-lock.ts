// Two builds that need the same dependency hash (two models with the same requirements, or two
// processes) must not install into one folder at once: the second waits for the first, then
// reuses its result. The lock is a file holding the owner's pid, created atomically with link(2);
// a lock whose owner is gone (a crash) is taken over.
import { link, readFile, rm, writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { processAlive } from '../process-alive.ts';

const POLL_MS = 200;


async function tryLock(path: string): Promise<boolean> {
  const candidate = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}`;
  await writeFile(candidate, `${process.pid}\n`);
  try {
    await link(candidate, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    await rm(candidate, { force: true });
  }
}

/**
 * Runs `work` holding the lock file `path`. Calls `waiting` once when another holder makes it wait.
 * Within one process several builds may wait on each other; each gets the lock in turn.
 */
export async function withLock<T>(path: string, waiting: () => void, work: () => Promise<T>): Promise<T> {
  let told = false;
  while (!(await tryLock(path))) {
    const owner = Number.parseInt((await readFile(path, 'utf8').catch(() => '')).trim(), 10);
    if (Number.isInteger(owner) && !processAlive(owner)) {
      await rm(path, { force: true });
      continue;
    }
    if (!told) waiting();
    told = true;
    await sleep(POLL_MS);
  }
  try {
    return await work();
  } finally {
    await rm(path, { force: true });
  }
}
