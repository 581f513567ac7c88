// What `--follow` and `--interval` take: a remote branch (`origin/main`) and a duration (`30s`).

export type FollowRef = { remote: string; branch: string };

/** The shortest interval accepted: following is polling, and a remote should not be hammered. */
export const MIN_INTERVAL_MS = 5_000;
export const DEFAULT_INTERVAL_MS = 30_000;

/**
 * `origin/main` → `{remote: 'origin', branch: 'main'}` (the branch may hold slashes: `origin/release/2`).
 * @throws Error saying what form is expected.
 */
export function parseFollowRef(text: string): FollowRef {
  const slash = text.indexOf('/');
  const remote = slash > 0 ? text.slice(0, slash) : '';
  const branch = slash > 0 ? text.slice(slash + 1) : '';
  const valid = /^[A-Za-z0-9._-]+$/.test(remote) && /^[A-Za-z0-9._/-]+$/.test(branch) && !branch.includes('..') && !branch.startsWith('-');
  if (!valid) throw new Error(`--follow ${JSON.stringify(text)} is not a remote branch; write it as REMOTE/BRANCH, such as origin/main`);
  return { remote, branch };
}

/**
 * `30s`, `5m`, `1h` (or a bare number of seconds) in milliseconds, at least 5 s.
 * @throws Error saying what form is expected.
 */
export function parseInterval(text: string): number {
  const m = /^(\d+)\s*(s|m|h)?$/.exec(text.trim());
  if (!m) throw new Error(`--interval ${JSON.stringify(text)} is not a duration; write it as 30s, 5m or 1h`);
  const ms = Number(m[1]) * { s: 1_000, m: 60_000, h: 3_600_000 }[(m[2] ?? 's') as 's' | 'm' | 'h'];
  if (ms < MIN_INTERVAL_MS) throw new Error(`--interval ${text} is shorter than 5s; poll the remote at most every 5 seconds`);
  return ms;
}
