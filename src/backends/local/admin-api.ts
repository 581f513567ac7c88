// The daemon's admin API under /admin: apply, status, logs, lifecycle, shutdown. Every request
// needs `Authorization: Bearer <token>` from `.slipway/daemon.json` (mode 0600), compared in
// constant time; the daemon listens on loopback unless told otherwise.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Gateway } from '../../gateway/types.ts';
import type { ApplyRunner } from './apply-runner.ts';
import type { PruneOptions, PruneReport } from './prune.ts';
import type { LocalDeployer } from './local-deployer.ts';
import type { Supervisor } from './supervisor.ts';
import { modelStatus } from './status.ts';

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
  const env = process.env as Record<string, string | undefined>;
  switch (action) {
    case 'stop':
      await deps.deployer.stopLive(model);
      return json(res, 200, { ok: true, model, state: 'stopped' });
    case 'start':
      await deps.deployer.startLive(model, env);
      return json(res, 200, { ok: true, model, state: 'running' });
    case 'restart':
      await deps.deployer.stopLive(model);
      await deps.deployer.startLive(model, env);
      return json(res, 200, { ok: true, model, state: 'running' });
    default:
      return json(res, 404, { error: `unknown action ${action}: use stop, start, restart or logs` });
  }
}

/** Streams the apply as NDJSON: `{"log": line}` and `{"build": {model, number, line}}` lines, then `{"result": ApplyResult}`. */
async function apply(req: IncomingMessage, res: ServerResponse, deps: AdminDeps): Promise<void> {
  const body = JSON.parse(await readAll(req)) as { file?: unknown; env?: unknown; lockTimeoutSeconds?: unknown; gate?: unknown };
  if (typeof body.file !== 'string') return json(res, 400, { error: 'apply needs {"file": "<absolute path of models.yaml>"}' });
  const env = (body.env && typeof body.env === 'object' ? body.env : {}) as Record<string, string>;
  const timeout = body.lockTimeoutSeconds;
  if (timeout !== undefined && (typeof timeout !== 'number' || !Number.isFinite(timeout) || timeout < 0)) {
    return json(res, 400, { error: `lockTimeoutSeconds must be a number of seconds, 0 or more; got ${JSON.stringify(timeout)}` });
  }
  res.writeHead(200, { 'content-type': 'application/x-ndjson' });
  const result = await deps.runner.apply({
    file: body.file,
    env,
    lockTimeoutSeconds: timeout,
    gate: body.gate !== false,
    buildLog: (model, number, line) => res.write(`${JSON.stringify({ build: { model, number, line } })}\n`),
    log: (line) => res.write(`${JSON.stringify({ log: line })}\n`),
  });
  res.end(`${JSON.stringify({ result: stripDesired(result) })}\n`);
}

/** `{keep, dryRun}` → the PruneReport, once no apply is running. */
async function prune(req: IncomingMessage, res: ServerResponse, deps: AdminDeps): Promise<void> {
  const body = JSON.parse(await readAll(req)) as { keep?: unknown; dryRun?: unknown; minAgeMs?: unknown };
  if (typeof body.keep !== 'number' || !Number.isSafeInteger(body.keep) || body.keep < 1) {
    return json(res, 400, { error: `keep must be a whole number of builds, 1 or more; got ${JSON.stringify(body.keep)}` });
  }
  const minAge = body.minAgeMs;
  if (minAge !== undefined && (typeof minAge !== 'number' || !Number.isFinite(minAge) || minAge < 0)) {
    return json(res, 400, { error: `minAgeMs must be a number of milliseconds, 0 or more; got ${JSON.stringify(minAge)}` });
  }
  const done = await deps.prune({ keep: body.keep, dryRun: body.dryRun === true, minAgeMs: minAge });
  return done.ok ? json(res, 200, done.value) : json(res, 409, { error: done.message });
}

/** The plan's `desired` holds the models as loaded; the client needs only the plan's JSON shape. */
function stripDesired<T>(result: T): T {
  return JSON.parse(JSON.stringify(result, (key, value) => (key === 'desired' ? undefined : value))) as T;
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
