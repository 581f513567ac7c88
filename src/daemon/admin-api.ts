// The daemon's admin API under /admin: apply, status, logs, lifecycle, shutdown. Every request
// needs `Authorization: Bearer <token>` from `.slipway/daemon.json` (mode 0600), compared in
// constant time; the daemon listens on loopback unless told otherwise. Every mutation (apply,
// prune, stop, start, restart) goes through the apply runner's queue, so none interleaves with an
// apply; a failure is answered with its cause (a 4xx/5xx JSON error, or for a streamed apply, a
// result that says what went wrong), never a bare status.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Gateway } from '../gateway/types.ts';
import type { ApplyResult, ApplyRunner } from './apply-runner.ts';
import { cleanActor } from '../history/actor.ts';
import { rolloutAction } from './rollout-admin.ts';
import type { FollowService } from '../follow/follow-service.ts';
import type { PruneOptions, PruneReport } from '../backends/local/prune.ts';
import type { LocalDeployer } from '../backends/local/local-deployer.ts';
import type { Supervisor } from '../supervisor/supervisor.ts';
import { modelStatus } from '../backends/local/status.ts';
import type { CgroupSupport } from '../limits/cgroups.ts';

export type AdminDeps = {
  token: string;
  runner: ApplyRunner;
  deployer: LocalDeployer;
  supervisor: Supervisor;
  gateway: Gateway;
  reloadKeys: () => void;
  /** Prunes between applies (see prune.ts). */
  prune: (opts: PruneOptions) => Promise<{ ok: true; value: PruneReport } | { ok: false; message: string }>;
  shutdown: () => void;
  root: string;
  gatewayUrl: string;
  /** The replicas' sandbox (`bubblewrap`), or `none: <why>`. */
  sandbox: string;
  /** Where the daemon enforces resource limits (status says when they are advisory). */
  cgroups?: CgroupSupport;
  /** Following a branch (src/follow/): `/admin/follow` routes. */
  follow?: Pick<FollowService, 'handle'>;
};

/** True when `presented` is the admin token; constant time in the token's content. */
export function isAdminToken(token: string, presented: string | null | undefined): boolean {
  if (!presented) return false;
  const a = createHash('sha256').update(token).digest();
  const b = createHash('sha256').update(presented).digest();
  return timingSafeEqual(a, b);
}

export function createAdminApi(deps: AdminDeps) {
  return async function handleAdmin(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const auth = req.headers.authorization;
    const presented = auth?.startsWith('Bearer ') ? auth.slice(7) : null;
    if (!isAdminToken(deps.token, presented)) {
      return json(res, 401, { error: 'the admin API needs Authorization: Bearer <token from .slipway/daemon.json>' });
    }
    const url = new URL(req.url ?? '/', 'http://daemon');
    const parts = url.pathname.split('/').filter(Boolean).slice(1); // drop "admin"
    const route = `${req.method} ${parts[0] ?? ''}`;
    try {
      switch (route) {
        case 'GET health':
          return json(res, 200, { ok: true, pid: process.pid });
        case 'GET observe':
          return json(res, 200, deps.deployer.observe());
        case 'GET status':
          return json(res, 200, modelStatus(deps));
        case 'POST apply':
          return await apply(req, res, deps);
        case 'POST prune':
          return await prune(req, res, deps);
        case 'POST reload-keys':
          deps.reloadKeys();
          return json(res, 200, { ok: true });
        case 'POST shutdown':
          json(res, 200, { ok: true });
          deps.shutdown();
          return;
        case 'GET follow':
        case 'POST follow':
          if (!deps.follow) return json(res, 404, { error: 'this daemon cannot follow a branch' });
          return await deps.follow.handle(req, res, parts.slice(1), async () => parseBody(await readAll(req)));
        case 'GET models':
        case 'POST models':
          return await modelRoute(req, res, url, parts.slice(1), deps);
        default:
          return json(res, 404, { error: `no admin route ${req.method} ${url.pathname}` });
      }
    } catch (error) {
      return json(res, 500, { error: (error as Error).message });
    }
  };
}

async function modelRoute(req: IncomingMessage, res: ServerResponse, url: URL, rest: string[], deps: AdminDeps): Promise<void> {
  const [model, action] = rest;
  if (!model || !action) return json(res, 404, { error: 'use /admin/models/<name>/<action>' });
  const known = deps.deployer.observe().models.some((m) => m.name === model && !m.deleted && m.deployment !== null);
  if (!known && action !== 'logs') return json(res, 404, { error: `${model} is not deployed (see \`slipway status\`)` });
  if (req.method === 'GET' && action === 'logs') {
    const replicaId = url.searchParams.get('replica') ?? undefined;
    const limit = Number(url.searchParams.get('limit') ?? 100);
    if (url.searchParams.get('follow') !== '1') return json(res, 200, deps.supervisor.logs(model, { replicaId, limit }));
    res.writeHead(200, { 'content-type': 'application/x-ndjson' });
    for (const line of deps.supervisor.logs(model, { replicaId, limit }).reverse()) res.write(`${JSON.stringify(line)}\n`);
    const stop = deps.supervisor.follow(model, (line) => {
      if (!replicaId || line.replicaId === replicaId) res.write(`${JSON.stringify(line)}\n`);
    });
    req.on('close', stop);
    return;
  }
  if (req.method !== 'POST') return json(res, 405, { error: `${action} needs POST` });
  const rollout = rolloutAction(deps.deployer.rollouts, model, action);
  if (rollout !== null) {
    // In the apply queue, as the daemon's own ticks: a step never interleaves with a deploy.
    const done = await deps.runner.exclusive({ log: () => {} }, () => rollout().then((state) => ({ state }), (error: Error) => ({ error: error.message })));
    if (!done.ok) return json(res, 409, { error: done.message });
    return 'error' in done.value ? json(res, 409, { error: done.value.error }) : json(res, 200, done.value.state);
  }
  const env = process.env as Record<string, string | undefined>;
  const lifecycle: Record<string, () => Promise<'stopped' | 'running'>> = {
    stop: async () => {
      await deps.deployer.stopLive(model);
      return 'stopped';
    },
    start: async () => {
      await deps.deployer.startLive(model, env);
      return 'running';
    },
    restart: async () => {
      await deps.deployer.stopLive(model);
      await deps.deployer.startLive(model, env);
      return 'running';
    },
  };
  const act = Object.hasOwn(lifecycle, action) ? lifecycle[action] : undefined;
  if (!act) return json(res, 404, { error: `unknown action ${action}: use stop, start, restart or logs` });
  // In the apply queue: a restart never starts the replicas of a deployment an apply is replacing.
  const done = await deps.runner.exclusive({ log: () => {} }, async () => {
    try {
      return { ok: true as const, state: await act() };
    } catch (error) {
      return { ok: false as const, message: (error as Error).message };
    }
  });
  if (!done.ok) return json(res, 409, { error: done.message });
  if (!done.value.ok) return json(res, 500, { error: `${action} of ${model} failed: ${done.value.message}` });
  return json(res, 200, { ok: true, model, state: done.value.state });
}

/** Streams the apply as NDJSON: `{"log": line}` and `{"build": {model, number, line}}` lines, then `{"result": ApplyResult}`. */
async function apply(req: IncomingMessage, res: ServerResponse, deps: AdminDeps): Promise<void> {
  const body = parseBody(await readAll(req)) as { file?: unknown; env?: unknown; lockTimeoutSeconds?: unknown; fingerprint?: unknown; gate?: unknown; actor?: unknown } | null;
  if (body === null) return json(res, 400, { error: 'apply needs a JSON body: {"file": "<absolute path of models.yaml>"}' });
  if (typeof body.file !== 'string') return json(res, 400, { error: 'apply needs {"file": "<absolute path of models.yaml>"}' });
  if (body.fingerprint !== undefined && typeof body.fingerprint !== 'string') {
    return json(res, 400, { error: `fingerprint must be the plan's fingerprint, a string; got ${JSON.stringify(body.fingerprint)}` });
  }
  const env = (body.env && typeof body.env === 'object' ? body.env : {}) as Record<string, string>;
  const timeout = body.lockTimeoutSeconds;
  if (timeout !== undefined && (typeof timeout !== 'number' || !Number.isFinite(timeout) || timeout < 0)) {
    return json(res, 400, { error: `lockTimeoutSeconds must be a number of seconds, 0 or more; got ${JSON.stringify(timeout)}` });
  }
  res.writeHead(200, { 'content-type': 'application/x-ndjson' });
  // The status is sent before the apply runs, so whatever ends it ends as a result with its cause.
  let result: ApplyResult;
  try {
    result = await deps.runner.apply({
      file: body.file,
      env,
      lockTimeoutSeconds: timeout,
      fingerprint: body.fingerprint,
      gate: body.gate !== false,
      actor: cleanActor(body.actor) ?? undefined,
      buildLog: (model, number, line) => res.write(`${JSON.stringify({ build: { model, number, line } })}\n`),
      log: (line) => res.write(`${JSON.stringify({ log: line })}\n`),
    });
  } catch (error) {
    result = { ok: false, message: `the apply failed in the daemon: ${(error as Error).message}` };
  }
  res.end(`${JSON.stringify({ result: stripDesired(result) })}\n`);
}

/** `{keep, dryRun}` → the PruneReport, once no apply is running. */
async function prune(req: IncomingMessage, res: ServerResponse, deps: AdminDeps): Promise<void> {
  const body = parseBody(await readAll(req)) as { keep?: unknown; dryRun?: unknown; minAgeMs?: unknown; now?: unknown } | null;
  if (body === null) return json(res, 400, { error: 'prune needs a JSON body: {"keep": <builds to keep>}' });
  if (typeof body.keep !== 'number' || !Number.isSafeInteger(body.keep) || body.keep < 1) {
    return json(res, 400, { error: `keep must be a whole number of builds, 1 or more; got ${JSON.stringify(body.keep)}` });
  }
  const minAge = body.minAgeMs;
  if (minAge !== undefined && (typeof minAge !== 'number' || !Number.isFinite(minAge) || minAge < 0)) {
    return json(res, 400, { error: `minAgeMs must be a number of milliseconds, 0 or more; got ${JSON.stringify(minAge)}` });
  }
  const now = typeof body.now === 'string' ? new Date(body.now) : undefined;
  if ((body.now !== undefined && now === undefined) || (now !== undefined && Number.isNaN(now.getTime()))) {
    return json(res, 400, { error: `now must be an ISO time; got ${JSON.stringify(body.now)}` });
  }
  const done = await deps.prune({ keep: body.keep, dryRun: body.dryRun === true, minAgeMs: minAge, now });
  return done.ok ? json(res, 200, done.value) : json(res, 409, { error: done.message });
}

/** The plan's `desired` holds the models as loaded; the client needs only the plan's JSON shape. */
function stripDesired<T>(result: T): T {
  return JSON.parse(JSON.stringify(result, (key, value) => (key === 'desired' ? undefined : value))) as T;
}

/** The JSON object in `text`, or null when it is not one. */
function parseBody(text: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

function readAll(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8') || '{}'));
    req.on('error', reject);
  });
}

function json(res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}
