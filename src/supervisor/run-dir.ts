// The folder holding replicas' Unix domain sockets: `.slipway/run/`, mode 0700, so only the
// daemon's user can even reach a socket in it (each socket is 0600 besides).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * Linux keeps a socket path in 108 bytes with its final NUL. Socket names are short
 * (`<8 chars>-<n>.sock`); this leaves them room.
 */
const MAX_DIR_BYTES = 107 - 24;

/** Creates (or re-secures) `dir` as a folder only its owner may enter. */
export function ensurePrivateDir(dir: string): string {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  fs.chmodSync(dir, 0o700);
  return dir;
}

/**
 * The private folder for the sockets of the replicas of a repository whose state folder is
 * `stateFolder` (`<root>/.slipway`): `<stateFolder>/run`, or, when that path is too long for a
 * socket address, a fresh private folder under the system's temp folder (made by mkdtemp:
 * unpredictable name, mode 0700). The caller names the state folder so that process supervision
 * does not depend on the local backend's layout.
 */
export function replicaRunDir(stateFolder: string): string {
  const dir = path.join(stateFolder, 'run');
  if (Buffer.byteLength(dir) <= MAX_DIR_BYTES) return ensurePrivateDir(dir);
  return privateTempRunDir();
}

/** A fresh private folder for sockets under the temp folder (for supervisors without a repository). */
export function privateTempRunDir(): string {
  return ensurePrivateDir(fs.mkdtempSync(path.join(os.tmpdir(), 'slipway-run-')));
}
