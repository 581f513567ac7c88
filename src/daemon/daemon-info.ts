// `.slipway/daemon.json`: how the CLI finds a running daemon (port and admin token, mode 0600).
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stateDir } from '../backends/local/observe.ts';
import { processAlive } from '../process-alive.ts';

export type DaemonInfo = {
  pid: number;
  host: string;
  port: number;
  /** Bearer token for the admin API; also lets the owner call any model. */
  token: string;
  root: string;
  startedAt: string;
};

export function daemonInfoPath(root: string): string {
  return join(stateDir(root), 'daemon.json');
}

/** Written whole or not at all: a CLI reading half a file would think no daemon runs and start a second. */
export function writeDaemonInfo(root: string, info: DaemonInfo): void {
  const path = daemonInfoPath(root);
  const partial = `${path}.${process.pid}`;
  writeFileSync(partial, `${JSON.stringify(info, null, 2)}\n`, { mode: 0o600 });
  renameSync(partial, path);
}

/** The daemon recorded for `root` when its process is still alive, else null. */
export function readDaemonInfo(root: string): DaemonInfo | null {
  const path = daemonInfoPath(root);
  if (!existsSync(path)) return null;
  let info: DaemonInfo;
  try {
    info = JSON.parse(readFileSync(path, 'utf8')) as DaemonInfo;
  } catch {
    return null;
  }
  return processAlive(info.pid) ? info : null;
}

export function removeDaemonInfo(root: string, pid: number): void {
  const path = daemonInfoPath(root);
  try {
    const info = JSON.parse(readFileSync(path, 'utf8')) as DaemonInfo;
    if (info.pid === pid) rmSync(path, { force: true });
  } catch {
    // Already gone.
  }
}


