// The GitHub REST client, built once by an entry point (CLI or Action) and passed in: octokit from
// @actions/github with retries on 5xx and waits on rate limits. The token is handed to octokit and
// to nothing else; nothing here prints it.
import { getOctokit } from '@actions/github';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';

export type GitHubClient = ReturnType<typeof getOctokit>;

export type ClientOptions = {
  token: string;
  /** `GITHUB_API_URL`: `https://api.github.com`, or a GitHub Enterprise Server's `/api/v3`. */
  baseUrl: string;
  /** Where to say that a request is retried or waits for a rate limit. */
  log: (line: string) => void;
  /** Retries after a 5xx or a rate limit before giving up; default 3. */
  retries?: number;
};

/** An octokit for `baseUrl`, authenticated with `token`, retrying 5xx answers and rate limits. */
export function createGitHubClient(opts: ClientOptions): GitHubClient {
  const retries = opts.retries ?? 3;
  const onLimit = (kind: string) => (retryAfter: number, options: { method?: string; url?: string }, _octokit: unknown, retryCount: number) => {
    const again = retryCount < retries;
    opts.log(`GitHub ${kind} on ${options.method ?? ''} ${options.url ?? ''}: ${again ? `retrying in ${retryAfter} s` : 'giving up'}`);
    return again;
  };
  return getOctokit(
    opts.token,
    {
      baseUrl: opts.baseUrl.replace(/\/+$/, ''),
      userAgent: 'slipway',
      retry: { retries },
      throttle: { onRateLimit: onLimit('rate limit'), onSecondaryRateLimit: onLimit('secondary rate limit') },
      log: { debug: () => {}, info: () => {}, warn: (m: string) => opts.log(m), error: (m: string) => opts.log(m) },
    },
    retry,
    throttling,
  );
}

/** Thrown when GitHub refuses a request for good; the message says what to check. */
export class GitHubApiError extends Error {
  readonly status: number;
  constructor(what: string, status: number, detail: string) {
    super(`${what}: GitHub answered ${status}${detail ? ` (${detail})` : ''}${advice(status)}`);
    this.name = 'GitHubApiError';
    this.status = status;
  }
}

function advice(status: number): string {
  if (status === 401) return '; check the github-token input / GITHUB_TOKEN';
  if (status === 403 || status === 404) {
    return '; give the workflow the permissions it needs (pull-requests: write for the PR comment, contents: write for commit comments, statuses: write for the status)';
  }
  return '';
}

/** Wraps octokit's RequestError (which carries the request, headers included) into a GitHubApiError. */
export function toGitHubApiError(what: string, error: unknown): Error {
  const e = error as { status?: unknown; response?: { data?: { message?: unknown } }; message?: unknown };
  if (typeof e?.status === 'number') {
    const detail = typeof e.response?.data?.message === 'string' ? e.response.data.message : '';
    return new GitHubApiError(what, e.status, detail);
  }
  return new Error(`${what}: ${error instanceof Error ? error.message : String(error)}`);
}
