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
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

export type RecordedRequest = {
  method: string;
  /** Path and query, e.g. `/repos/o/r/issues/2/comments?per_page=100`. */
  path: string;
  body: unknown;
  authorization: string | null;
};

export type FakeComment = { id: number; body: string; issue: number };

export type FakeGitHub = {
  /** `http://127.0.0.1:<port>`: the value for GITHUB_API_URL. */
  url: string;
  /** Every request answered (failed ones included), in order. */
  requests: RecordedRequest[];
  /** Issue comments by id, as created and updated. */
  comments: Map<number, FakeComment>;
  /** Requests other than the failure injections that changed something: POST and PATCH. */
  writes(): RecordedRequest[];
  /** Adds a comment as if someone else had written it. */
  seedComment(issue: number, body: string): FakeComment;
  /** The next `count` requests answer 502 Bad Gateway. */
  failNext(count?: number): void;
  /** The next request answers 403 with a rate limit that resets `resetInSeconds` from now. */
  rateLimitNext(resetInSeconds: number): void;
  close(): Promise<void>;
};

type Failure = { kind: '502' } | { kind: 'rate-limit'; resetInSeconds: number };

/** Starts the fake on a free loopback port. */
export async function startFakeGitHub(opts: { token?: string } = {}): Promise<FakeGitHub> {
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
    if ((m = /^\/repos\/[^/]+\/[^/]+\/issues\/(\d+)\/comments$/.exec(path))) {
      const issue = Number(m[1]);
      if (req.method === 'GET') {
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
        const comment = { id: nextId++, body: String((body as { body?: unknown }).body), issue };
        comments.set(comment.id, comment);
        return send(res, 201, commentJson(comment));
      }
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
    writes: () => requests.filter((r) => r.method === 'POST' || r.method === 'PATCH'),
    seedComment(issue, text) {
      const comment = { id: nextId++, body: text, issue };
      comments.set(comment.id, comment);
      return comment;
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
  return { id: c.id, body: c.body, user: { login: 'github-actions[bot]', type: 'Bot' }, html_url: `https://github.com/o/r/issues/${c.issue}#issuecomment-${c.id}` };
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
