// One daemon per repository even when several commands start one at once (two CI jobs, `apply`
// in two terminals): starting takes `.slipway/daemon.start.lock` (O_EXCL); whoever finds it taken
// waits for the daemon the holder starts. A lock whose holder died is taken over.
//
// The lock file appears with the holder's pid already in it (written to a private file, then
// hard-linked into place, which fails atomically when the name exists): a lock created empty and
// filled afterwards would, for a moment, look like one whose holder died, and be taken twice.
import { linkSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { stateDir } from '../backends/local/observe.ts';
import { processAlive } from '../process-alive.ts';

export type StartLock = { release(): void };

/** The lock, or null when a live process holds it (the caller then waits for that one's daemon). */
export function tryStartLock(root: string): StartLock | null {
  const file = path.join(stateDir(root), 'daemon.start.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    const mine = `${file}.${process.pid}`;
    writeFileSync(mine, String(process.pid), { mode: 0o600 });
    try {
      linkSync(mine, file);
      return { release: () => rmSync(file, { force: true }) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = holderOf(file);
      // Gone between our link and our read: its holder released it, so try again. Removing it
      // here could remove the lock a third process has just taken.
      if (holder === 'gone') continue;
      if (holder === 'alive') return null;
      rmSync(file, { force: true });
    } finally {
      rmSync(mine, { force: true });
    }
  }
  return null;
}

function holderOf(file: string): 'alive' | 'dead' | 'gone' {
  let pid: number;
  try {
    pid = Number(readFileSync(file, 'utf8'));
  } catch {
    return 'gone';
  }
  if (!Number.isInteger(pid) || pid <= 0) return 'dead';
  return processAlive(pid) ? 'alive' : 'dead';
}
