// A FAKE of the GitHub REST API, for tests only (GitHub cannot be reached from the test machines):
// a loopback HTTP server answering the documented endpoints Slipway uses, keeping comments in
// memory and recording every request (method, path with query, body, authorization) so tests can
// assert exactly what was sent. It can be told to fail the next requests with a 502, or with a
// primary rate limit (403, `x-ratelimit-remaining: 0`, `x-ratelimit-reset`), as GitHub does.
//
//   GET   /repos/{owner}/{repo}/issues/{number}/comments    list an issue's (PR's) comments
//   POST  /repos/{owner}/{repo}/issues/{number}/comments    create one          → 201
//   PATCH /repos/{owner}/{repo}/issues/comments/{id}        update one          → 200
//   POST  /repos/{owner}/{repo}/commits/{sha}/comments      comment on a commit → 201
//   POST  /repos/{owner}/{repo}/statuses/{sha}              create a status     → 201
//   DELETE /repos/{owner}/{repo}/issues/comments/{id}       delete one          → 204
//   GET   /user     the token's user; an installation token (GITHUB_TOKEN) gets 403 here, as on GitHub
//   GET   /app      the authenticated app; it wants the app's JWT, so an installation token gets 401
//
// Comments made through the API are written by the token's identity (`github-actions[bot]` for an
// installation token); `seedComment` writes as someone else.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

export type RecordedRequest = {
  method: string;
  /** Path and query, e.g. `/repos/o/r/issues/2/comments?per_page=100`. */
  path: string;
  body: unknown;
  authorization: string | null;
};

export type FakeComment = { id: number; body: string; issue: number; author: string };

export type FakeGitHub = {
  /** `http://127.0.0.1:<port>`: the value for GITHUB_API_URL. */
  url: string;
  /** Every request answered (failed ones included), in order. */
  requests: RecordedRequest[];
  /** Issue comments by id, as created and updated. */
  comments: Map<number, FakeComment>;
  /** Requests other than the failure injections that changed something: POST and PATCH. */
  writes(): RecordedRequest[];
  /** Adds a comment as if someone else (`author`, default `octocat`) had written it. */
  seedComment(issue: number, body: string, author?: string): FakeComment;
  /** From now on, writing issue comments answers 403, as for a fork's read-only token. */
  forbidComments(): void;
  /** Holds listings of comments until `count` of them are waiting, then answers them all: two runs racing. */
  holdCommentLists(count: number): void;
  /** The next `count` requests answer 502 Bad Gateway. */
  failNext(count?: number): void;
  /** The next request answers 403 with a rate limit that resets `resetInSeconds` from now. */
  rateLimitNext(resetInSeconds: number): void;
  close(): Promise<void>;
};

type Failure = { kind: '502' } | { kind: 'rate-limit'; resetInSeconds: number };

/** Starts the fake on a free loopback port. */
export async function startFakeGitHub(opts: { token?: string; user?: string } = {}): Promise<FakeGitHub> {
  // A user token answers GET /user; the workflow's GITHUB_TOKEN is an installation token.
  const author = opts.user ?? 'github-actions[bot]';
  let commentsForbidden = false;
  let hold: { count: number; waiting: Array<() => void> } | null = null;
  const requests: RecordedRequest[] = [];
  const comments = new Map<number, FakeComment>();
  const failures: Failure[] = [];
  let nextId = 1001;

  const server = createServer((req, res) => {
    void handle(req, res).catch((error: Error) => send(res, 500, { message: error.message }));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const text = await readBody(req);
    const body = text ? (JSON.parse(text) as unknown) : null;
    const url = new URL(req.url ?? '/', 'http://fake');
    requests.push({ method: req.method ?? '', path: `${url.pathname}${url.search}`, body, authorization: req.headers.authorization ?? null });

    const failure = failures.shift();
    if (failure?.kind === '502') return send(res, 502, { message: 'Server Error' });
    if (failure?.kind === 'rate-limit') {
      const reset = Math.floor(Date.now() / 1000) + failure.resetInSeconds;
      return send(res, 403, { message: 'API rate limit exceeded for installation ID 1.', documentation_url: 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api' }, {
        'x-ratelimit-limit': '5000',
        'x-ratelimit-remaining': '0',
        'x-ratelimit-used': '5000',
        'x-ratelimit-reset': String(reset),
      });
    }
    if (opts.token && req.headers.authorization !== `token ${opts.token}`) {
      return send(res, 401, { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest' });
    }

    const path = url.pathname;
    let m: RegExpExecArray | null;
    if (path === '/user' && req.method === 'GET') {
      if (opts.user) return send(res, 200, { login: opts.user, type: 'User' });
      return send(res, 403, { message: 'Resource not accessible by integration', documentation_url: 'https://docs.github.com/rest/users/users#get-the-authenticated-user' });
    }
    if (path === '/app' && req.method === 'GET') {
      return send(res, 401, { message: 'A JSON web token could not be decoded', documentation_url: 'https://docs.github.com/rest' });
    }
    if (commentsForbidden && (req.method === 'POST' || req.method === 'PATCH' || req.method === 'DELETE') && /\/comments/.test(path)) {
      return send(res, 403, { message: 'Resource not accessible by integration', documentation_url: 'https://docs.github.com/rest/issues/comments#create-an-issue-comment' });
    }
    if ((m = /^\/repos\/[^/]+\/[^/]+\/issues\/(\d+)\/comments$/.exec(path))) {
      const issue = Number(m[1]);
      if (req.method === 'GET') {
        if (hold) {
          const waiting = hold;
          await new Promise<void>((resolve) => {
            waiting.waiting.push(resolve);
            if (waiting.waiting.length >= waiting.count) {
              hold = null;
              for (const release of waiting.waiting) release();
            }
          });
        }
        const perPage = Number(url.searchParams.get('per_page') ?? 30);
        const page = Number(url.searchParams.get('page') ?? 1);
        const all = [...comments.values()].filter((c) => c.issue === issue);
        const last = Math.max(1, Math.ceil(all.length / perPage));
        // GitHub pages with a Link header; clients follow rel="next".
        const pageUrl = (n: number) => `<http://${req.headers.host}${url.pathname}?per_page=${perPage}&page=${n}>`;
        const links: Record<string, string> = page < last ? { link: `${pageUrl(page + 1)}; rel="next", ${pageUrl(last)}; rel="last"` } : {};
        return send(res, 200, all.slice((page - 1) * perPage, page * perPage).map(commentJson), links);
      }
      if (req.method === 'POST') {
        const comment = { id: nextId++, body: String((body as { body?: unknown }).body), issue, author };
        comments.set(comment.id, comment);
        return send(res, 201, commentJson(comment));
      }
    }
    if ((m = /^\/repos\/[^/]+\/[^/]+\/issues\/comments\/(\d+)$/.exec(path)) && req.method === 'DELETE') {
      if (!comments.delete(Number(m[1]))) return send(res, 404, { message: 'Not Found' });
      res.writeHead(204).end();
      return;
    }
    if ((m = /^\/repos\/[^/]+\/[^/]+\/issues\/comments\/(\d+)$/.exec(path)) && req.method === 'PATCH') {
      const comment = comments.get(Number(m[1]));
      if (!comment) return send(res, 404, { message: 'Not Found' });
      comment.body = String((body as { body?: unknown }).body);
      return send(res, 200, commentJson(comment));
    }
    if ((m = /^\/repos\/[^/]+\/[^/]+\/commits\/([0-9a-f]+)\/comments$/.exec(path)) && req.method === 'POST') {
      return send(res, 201, { id: nextId++, commit_id: m[1], body: (body as { body?: unknown }).body });
    }
    if ((m = /^\/repos\/[^/]+\/[^/]+\/statuses\/([0-9a-f]+)$/.exec(path)) && req.method === 'POST') {
      return send(res, 201, { id: nextId++, ...(body as object) });
    }
    return send(res, 404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' });
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    comments,
    writes: () => requests.filter((r) => r.method === 'POST' || r.method === 'PATCH' || r.method === 'DELETE'),
    seedComment(issue, text, who = 'octocat') {
      const comment = { id: nextId++, body: text, issue, author: who };
      comments.set(comment.id, comment);
      return comment;
    },
    forbidComments() {
      commentsForbidden = true;
    },
    holdCommentLists(count) {
      hold = { count, waiting: [] };
    },
    failNext(count = 1) {
      for (let i = 0; i < count; i++) failures.push({ kind: '502' });
    },
    rateLimitNext(resetInSeconds) {
      failures.push({ kind: 'rate-limit', resetInSeconds });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function commentJson(c: FakeComment): Record<string, unknown> {
  return { id: c.id, body: c.body, user: { login: c.author, type: c.author.endsWith('[bot]') ? 'Bot' : 'User' }, html_url: `https://github.com/o/r/issues/${c.issue}#issuecomment-${c.id}` };
}

function send(res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
