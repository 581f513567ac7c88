// What Slipway writes to GitHub: one sticky comment per pull request (found by its hidden marker
// and edited in place), a comment on a commit, a commit status. Each takes the client it is given.
import { toGitHubApiError, type GitHubClient } from './client.ts';

/** `owner/name`, split. */
export type RepoRef = { owner: string; repo: string };

/** `owner/name` as `GITHUB_REPOSITORY` gives it, or an error saying what was expected. */
export function parseRepository(value: string): { ok: true; ref: RepoRef } | { ok: false; message: string } {
  const match = /^([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+)$/.exec(value.trim());
  if (!match) return { ok: false, message: `GITHUB_REPOSITORY is "${value}"; expected owner/name, e.g. octo-org/models` };
  return { ok: true, ref: { owner: match[1], repo: match[2] } };
}

/**
 * Creates or updates the pull request's comment holding `marker`: lists the comments (every page),
 * edits the first with the marker, or creates one when there is none. Never a second comment.
 */
export async function upsertStickyComment(
  client: GitHubClient,
  ref: RepoRef,
  issueNumber: number,
  marker: string,
  body: string,
): Promise<{ id: number; created: boolean }> {
  if (!body.includes(marker)) throw new Error(`the comment body must hold the marker ${marker}, or it could not be found again`);
  let existing: { id: number } | undefined;
  try {
    const comments = await client.paginate(client.rest.issues.listComments, { ...ref, issue_number: issueNumber, per_page: 100 });
    existing = comments.find((c) => c.body?.includes(marker));
  } catch (error) {
    throw toGitHubApiError(`cannot list the comments of pull request #${issueNumber}`, error);
  }
  try {
    if (existing) {
      await client.rest.issues.updateComment({ ...ref, comment_id: existing.id, body });
      return { id: existing.id, created: false };
    }
    const created = await client.rest.issues.createComment({ ...ref, issue_number: issueNumber, body });
    return { id: created.data.id, created: true };
  } catch (error) {
    throw toGitHubApiError(`cannot ${existing ? 'update' : 'create'} the Slipway comment on pull request #${issueNumber}`, error);
  }
}

/** Comments on commit `sha`. */
export async function createCommitComment(client: GitHubClient, ref: RepoRef, sha: string, body: string): Promise<void> {
  try {
    await client.rest.repos.createCommitComment({ ...ref, commit_sha: sha, body });
  } catch (error) {
    throw toGitHubApiError(`cannot comment on commit ${sha.slice(0, 7)}`, error);
  }
}

export type CommitStatus = {
  state: 'success' | 'failure' | 'error' | 'pending';
  context: string;
  /** One line; GitHub keeps at most 140 characters. */
  description: string;
  targetUrl?: string | null;
};

/** Sets the status `status.context` of commit `sha`. */
export async function createCommitStatus(client: GitHubClient, ref: RepoRef, sha: string, status: CommitStatus): Promise<void> {
  const description = status.description.length > 140 ? `${status.description.slice(0, 139)}…` : status.description;
  try {
    await client.rest.repos.createCommitStatus({
      ...ref,
      sha,
      state: status.state,
      context: status.context,
      description,
      ...(status.targetUrl ? { target_url: status.targetUrl } : {}),
    });
  } catch (error) {
    throw toGitHubApiError(`cannot set the ${status.context} status of commit ${sha.slice(0, 7)}`, error);
  }
}
