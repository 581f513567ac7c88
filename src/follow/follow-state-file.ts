// The follower's configuration and last state, in `.slipway/follow/`: the configuration lets a
// restarted daemon follow again, the state lets it remember which commit it tried (so a failed one
// is not retried) and lets `slipway follow status` answer without a daemon.
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { followDir } from './follow-clone.ts';
import type { FollowState } from './follower.ts';

/** What `slipway up --follow` asked for. `file`: the models file, relative to the repository root. */
export type FollowConfig = { ref: string; intervalMs: number; file: string };

function readJson<T>(file: string): T | null {
  if (!existsSync(file)) return null;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch {
    return null;
  }
}

function writeJson(file: string, value: unknown): void {
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600 });
  renameSync(temp, file);
}

const configFile = (root: string) => path.join(followDir(root), 'config.json');
const stateFile = (root: string) => path.join(followDir(root), 'state.json');

export const readFollowConfig = (root: string): FollowConfig | null => readJson<FollowConfig>(configFile(root));
export const writeFollowConfig = (root: string, config: FollowConfig): void => writeJson(configFile(root), config);
export const readFollowState = (root: string): FollowState | null => readJson<FollowState>(stateFile(root));
export const writeFollowState = (root: string, state: FollowState): void => writeJson(stateFile(root), state);

/**
 * Stops following for good: without its configuration a restarted daemon does not follow. The
 * state stays, so following the same branch again does not retry the commit last tried.
 */
export function forgetFollowing(root: string): void {
  rmSync(configFile(root), { force: true });
}
