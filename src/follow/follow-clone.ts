// The follower's own clone under `.slipway/follow/checkout`: fetched from the remote's URL and
// checked out detached at the commit applied. The user's repository and working tree are only read
// (the remote's URL); git runs as the user, so their SSH keys and credential helpers authenticate
// and Slipway stores no credential. Prompts are off: a daemon has no one to answer them.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { FollowRef } from './follow-ref.ts';

const run = promisify(execFile);

/** The folder holding the follower's clone and state. */
export const followDir = (root: string): string => path.join(root, '.slipway', 'follow');

/** How long one git command may take before it counts as a failed fetch. */
const GIT_TIMEOUT_MS = 120_000;

async function git(cwd: string, args: string[]): Promise<string> {
  try {
    const { stdout } = await run('git', args, {
      cwd,
      timeout: GIT_TIMEOUT_MS,
      maxBuffer: 16 * 1024 * 1024,
      env: { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_ASKPASS: process.env.GIT_ASKPASS ?? '' },
    });
    return stdout.trim();
  } catch (error) {
    const e = error as { stderr?: string; message: string };
    const detail = (e.stderr ?? '').trim().split('\n').filter(Boolean).slice(-2).join('; ') || e.message;
    throw new Error(`git ${args[0]} failed: ${detail}`);
  }
}

/**
 * The URL of `ref.remote` in the user's repository at `root` (a relative path made absolute).
 * @throws Error naming the remote and how to add it.
 */
export async function remoteUrl(root: string, ref: FollowRef): Promise<string> {
  let url: string;
  try {
    url = await git(root, ['remote', 'get-url', ref.remote]);
  } catch {
    throw new Error(`this repository has no remote ${ref.remote}; add it with \`git remote add ${ref.remote} URL\``);
  }
  const local = !/^[a-z][a-z0-9+.-]*:\/\//i.test(url) && !/^[^/]+@[^/]+:/.test(url);
  return local ? path.resolve(root, url) : url;
}

/**
 * `url` fit to show and store: credentials written into an https URL (`https://user:token@host/…`)
 * are replaced by `***`. The URL itself is used only to fetch, never written anywhere.
 */
export function displayUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]+@/i, '$1***@');
}

/** `text` with `url`, and any credentials in URLs, masked. */
function maskUrl(text: string, url: string): string {
  return text.split(url).join(displayUrl(url)).replace(/([a-z][a-z0-9+.-]*:\/\/)[^/@\s]+@/gi, '$1***@');
}

export type FollowClone = {
  dir: string;
  /** Fetches the branch; the commit it points at. */
  fetch(): Promise<string>;
  /** Makes the clone's files exactly those of `commit`. */
  checkout(commit: string): Promise<void>;
};

/** The clone for following `ref` from `url`, made on first fetch. */
export function followClone(root: string, url: string, ref: FollowRef): FollowClone {
  const dir = path.join(followDir(root), 'checkout');
  const tracking = 'refs/slipway/follow';
  return {
    dir,
    async fetch() {
      if (!existsSync(path.join(dir, '.git'))) {
        mkdirSync(dir, { recursive: true });
        await git(dir, ['init', '-q']);
      }
      try {
        await git(dir, ['fetch', '--quiet', '--no-tags', '--force', url, `+refs/heads/${ref.branch}:${tracking}`]);
      } catch (error) {
        throw new Error(maskUrl((error as Error).message, url));
      }
      return git(dir, ['rev-parse', '--verify', `${tracking}^{commit}`]);
    },
    async checkout(commit) {
      await git(dir, ['-c', 'advice.detachedHead=false', 'checkout', '--quiet', '--force', '--detach', commit]);
      await git(dir, ['clean', '-ffdxq']);
    },
  };
}
