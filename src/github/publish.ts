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
 * The login comments made with this token are written by: `GET /user` for a user's token; an
 * installation token (the workflow's GITHUB_TOKEN, a GitHub App's) gets 403 there, so then the
 * app's bot, `<slug>[bot]` from `GET /app`, and when that is refused too (it wants the app's JWT),
 * `github-actions[bot]`, the author of GITHUB_TOKEN's comments.
 */
export function tokenLogin(client: GitHubClient): Promise<string> {
  let login = logins.get(client);
  if (!login) {
    login = askLogin(client);
    logins.set(client, login);
  }
  return login;
}

/** One question per client: the identity behind a token does not change during a run. */
const logins = new WeakMap<GitHubClient, Promise<string>>();

async function askLogin(client: GitHubClient): Promise<string> {
  try {
    return (await client.rest.users.getAuthenticated()).data.login;
  } catch {
    try {
      const app = (await client.rest.apps.getAuthenticated()).data;
      if (app?.slug) return `${app.slug}[bot]`;
    } catch {
      // Installation tokens cannot read /app either.
    }
    return 'github-actions[bot]';
  }
}

type IssueComment = { id: number; body?: string | null; user?: { login?: string } | null };

/** Comments of `issueNumber` written by `login` whose body starts with `marker`, oldest first. */
async function ownComments(client: GitHubClient, ref: RepoRef, issueNumber: number, marker: string, login: string): Promise<IssueComment[]> {
  try {
    const comments: IssueComment[] = await client.paginate(client.rest.issues.listComments, { ...ref, issue_number: issueNumber, per_page: 100 });
    return comments.filter((c) => c.user?.login === login && c.body?.startsWith(marker) === true).sort((a, b) => a.id - b.id);
  } catch (error) {
    throw toGitHubApiError(`cannot list the comments of pull request #${issueNumber}`, error);
  }
}

/**
 * Creates or updates the pull request's comment: the oldest one written by this token's own user
 * whose body starts with `marker` (a comment by anyone else, or quoting the marker, is never
 * touched). Two runs at once may both create one; each then looks again, and the run whose
 * comment is not the oldest deletes its own and writes into the oldest, so one remains.
 */
export async function upsertStickyComment(
  client: GitHubClient,
  ref: RepoRef,
  issueNumber: number,
  marker: string,
  body: string,
): Promise<{ id: number; created: boolean }> {
  if (!body.startsWith(marker)) throw new Error(`the comment body must start with the marker ${marker}, or it could not be found again`);
  const login = await tokenLogin(client);
  const [existing] = await ownComments(client, ref, issueNumber, marker, login);
  const what = existing ? 'update' : 'create';
  try {
    if (existing) {
      await client.rest.issues.updateComment({ ...ref, comment_id: existing.id, body });
      return { id: existing.id, created: false };
    }
    const created = (await client.rest.issues.createComment({ ...ref, issue_number: issueNumber, body })).data;
    const [oldest] = await ownComments(client, ref, issueNumber, marker, login);
    if (!oldest || oldest.id === created.id) return { id: created.id, created: true };
    await client.rest.issues.deleteComment({ ...ref, comment_id: created.id });
    await client.rest.issues.updateComment({ ...ref, comment_id: oldest.id, body });
    return { id: oldest.id, created: false };
  } catch (error) {
    if (error instanceof Error && error.name === 'GitHubApiError') throw error;
    throw toGitHubApiError(`cannot ${what} the Slipway comment on pull request #${issueNumber}`, error);
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
