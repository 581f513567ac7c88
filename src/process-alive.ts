// Whether a process (a lock's holder, a daemon) still runs: for locks and state files that name
// a pid, so a holder that died does not hold them forever.
import { readFileSync } from 'node:fs';

/**
 * True while `pid` runs. A process of another user counts (EPERM). A zombie does not: a process
 * that died stays one until its parent (or init, which in some containers takes a while) reaps it,
 * and signal 0 still reaches a zombie, so Linux is asked for its state.
 */
export function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return true; // no /proc (macOS): trust the signal
  }
}
