// One daemon per repository even when several commands start one at once (two CI jobs, `apply`
// in two terminals): starting takes `.slipway/daemon.start.lock` (O_EXCL); whoever finds it taken
// waits for the daemon the holder starts. A lock whose holder died is taken over.
import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';
import { stateDir } from './observe.ts';

export type StartLock = { release(): void };

/** The lock, or null when a live process holds it (the caller then waits for that one's daemon). */
export function tryStartLock(root: string): StartLock | null {
  const file = path.join(stateDir(root), 'daemon.start.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx', 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return { release: () => rmSync(file, { force: true }) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (holderAlive(file)) return null;
      rmSync(file, { force: true });
    }
  }
  return null;
}

function holderAlive(file: string): boolean {
  let pid: number;
  try {
    pid = Number(readFileSync(file, 'utf8'));
  } catch {
    return false;
  }
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
