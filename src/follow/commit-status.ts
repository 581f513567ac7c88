// Following a GitHub repository, the daemon reports each commit it applies as the commit status
// `slipway/<host>`, through the same client and call the Action uses (src/github/). The token comes
// from the daemon's environment and is never stored; without one, nothing is reported. The
// variables are SLIPWAY_GITHUB_TOKEN (…_API_URL, …_REPOSITORY), else GITHUB_*: a background daemon
// never inherits GITHUB_* (admin-client.ts drops a CI job's variables so they do not outlive it),
// so a long-lived follower is given its own token on purpose.
import { hostname } from 'node:os';
import { createGitHubClient } from '../github/client.ts';
import { createCommitStatus, parseRepository, type RepoRef } from '../github/publish.ts';
import type { FollowState } from './follower.ts';

/** `owner/repo` of a GitHub remote URL (https or SSH), or null for any other remote. */
export function githubRepository(url: string): string | null {
  const m = /^(?:https?:\/\/(?:[^@/]+@)?github\.com\/|(?:ssh:\/\/)?git@github\.com[:/])([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+?)(?:\.git)?\/?$/.exec(url);
  return m ? `${m[1]}/${m[2]}` : null;
}

export type StatusReporter = (commit: string, applied: NonNullable<FollowState['applied']>) => Promise<void>;

/**
 * A reporter for the remote at `url`, or null when there is nothing to report to: no token, or a
 * remote that is not on GitHub (SLIPWAY_GITHUB_REPOSITORY names one for GitHub Enterprise or tests).
 */
export function commitStatusReporter(url: string, env: NodeJS.ProcessEnv, log: (line: string) => void): StatusReporter | null {
  const token = env.SLIPWAY_GITHUB_TOKEN ?? env.GITHUB_TOKEN;
  const repository = env.SLIPWAY_GITHUB_REPOSITORY ?? env.GITHUB_REPOSITORY ?? githubRepository(url);
  if (!token || !repository) return null;
  const parsed = parseRepository(repository);
  if (!parsed.ok) {
    log(`follow: not reporting commit statuses: ${parsed.message}`);
    return null;
  }
  const ref: RepoRef = parsed.ref;
  const client = createGitHubClient({ token, baseUrl: env.SLIPWAY_GITHUB_API_URL ?? env.GITHUB_API_URL ?? 'https://api.github.com', log });
  const context = `slipway/${hostname()}`;
  return async (commit, applied) => {
    const state = applied.outcome === 'applying' ? 'pending' : applied.outcome === 'failed' ? 'failure' : 'success';
    const description =
      applied.outcome === 'applying' ? 'applying' :
      applied.outcome === 'failed' ? `failed: ${applied.message ?? 'see slipway follow status'}` :
      applied.outcome === 'unchanged' ? 'live (nothing to change)' :
      `live: ${applied.changes.join(', ')}`;
    try {
      await createCommitStatus(client, ref, commit, { state, context, description });
    } catch (error) {
      log(`follow: ${(error as Error).message}`);
    }
  };
}
