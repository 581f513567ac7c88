// The data plane: routes calls to models, checks keys and limits, and keeps the model table the
// supervisor updates with `setRoute` (see types.ts for the contract, answers.ts for the errors).
//
// Order of checks, cheapest and least revealing first, and everything about who calls before a
// single body byte is read (a refused call's connection is closed, its body never read):
//   /models/<name>: method → model → API key → stopped → Content-Length → body budget → body →
//                   UTF-8 and JSON (json-scan.ts) → replica
//   /model:         method → Content-Length (largest limit) → API key present, known, not revoked
//                   or expired (while every model needs one) → model of ?accessKey= if given →
//                   body budget → body → UTF-8 and JSON → accessKey → the model's own limit →
//                   API key valid for that model → stopped → replica
// The replica gets the bytes of the request as the client sent them: the whole body on
// /models/<name>, the bytes of the envelope's `request` value on /model (never re-serialized).
import { isUtf8 } from 'node:buffer';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendError, sendJson } from './answers.ts';
import { createBodyBudget, DEFAULT_BODY_BUDGET_BYTES, readBodyWithin } from './body-budget.ts';
import { answerClientError } from './client-error.ts';
import { opensObject, scanJson, stringValue } from './json-scan.ts';
import { bearerToken, callHeaders } from './request-body.ts';
import { type ModelEntry, startCall } from './model-call.ts';
import { closeReplicaLink, openReplicaLink, type ReplicaLink, zeroCounters } from './replica-link.ts';
import { ReplicaPool } from './replica-pool.ts';
import type { AuthVerdict, Gateway, GatewayDeps, ModelRoute, ReplicaHandle, ReplicaStats } from './types.ts';
import { refuseCredential } from './refuse-credential.ts';
import { createInputChecks } from './input-check.ts';
import { serveOpenApi } from './openapi.ts';

const DEFAULT_MAX_REQUEST_BYTES = 5 * 1024 * 1024;

/** Creates the gateway; it serves nothing until `setRoute` gives it models. */
export function createGateway(deps: GatewayDeps): Gateway {
  const routes = new Map<string, ModelEntry>();
  /** Every pool with replicas, including those of removed models still finishing calls. */
  const pools = new Map<ReplicaPool<ReplicaLink>, string>();
  const pendingRestarts = new Map<string, number>();
  const budget = createBodyBudget(deps.bodyBudgetBytes ?? DEFAULT_BODY_BUDGET_BYTES);
  let largestLimit = DEFAULT_MAX_REQUEST_BYTES;
  /** Some served model takes calls without an API key: a keyless /model call must be read to know. */
  let anyWithoutKey = false;
  const log = (line: string): void => {
    try {
      deps.log?.(line);
    } catch {
      // A broken logger must not break calls.
    }
  };
  const env = { deps, log };
  const inputChecks = createInputChecks(log);

  function recomputeLimit(): void {
    largestLimit = 0;
    anyWithoutKey = false;
    for (const entry of routes.values()) {
      largestLimit = Math.max(largestLimit, entry.route.maxRequestBytes);
      if (!entry.route.auth) anyWithoutKey = true;
    }
    if (routes.size === 0) largestLimit = DEFAULT_MAX_REQUEST_BYTES;
  }

  /** Connections for a replica; a restarted process (`previous`) keeps its counters. */
  function openLink(route: ModelRoute, handle: ReplicaHandle, previous: ReplicaLink | null): ReplicaLink {
    let counters = previous?.counters;
    if (counters === undefined) {
      counters = zeroCounters(pendingRestarts.get(handle.id) ?? 0);
      pendingRestarts.delete(handle.id);
    }
    return openReplicaLink(route.name, route.deploymentId, handle, counters);
  }

  function callTimer(model: string): ModelEntry['timed'] {
    try {
      return deps.callTimer?.(model) ?? null;
    } catch (err) {
      log(`callTimer(${model}) threw: ${(err as Error).stack ?? String(err)}`);
      return null;
    }
  }

  /** A bug reached a call: log it, answer 500, keep serving. */
  function failed(req: IncomingMessage, res: ServerResponse, err: unknown): void {
    log(`gateway error on ${req.method} ${req.url}: ${(err as Error)?.stack ?? String(err)}`);
    sendError(res, 500, 'gateway.error', 'the gateway failed on this call; the error is in the daemon log');
  }

  function tooLarge(res: ServerResponse, limit: number): void {
    sendError(res, 413, 'request.too_large', `the request body is over the limit of ${limit} bytes (limits.maxRequestBytes)`, undefined, undefined, true);
  }

  /**
   * Whether an API key is known, unrevoked and unexpired, whatever model it is for: `authorize`
   * for a model no key can be scoped to (no model is named ''), where a scoped key says
   * `forbidden`, which here means "known".
   */
  function authenticate(token: string): AuthVerdict {
    const verdict = deps.authorize(token, '');
    return verdict === 'forbidden' ? 'ok' : verdict;
  }

  /**
   * Checks the API key and the model's state; answers and returns false when the call stops here.
   * `unread`: the body is not read yet, so a refusal closes the connection rather than read it.
   */
  function admit(entry: ModelEntry, authorization: string | null, res: ServerResponse, unread: boolean): boolean {
    const route = entry.route;
    if (route.auth) {
      const token = bearerToken(authorization);
      const verdict = token === undefined ? 'invalid' : deps.authorize(token, route.name);
      if (verdict !== 'ok') {
        refuseCredential(res, verdict, route.name, token === undefined, unread);
        return false;
      }
    }
    if (route.state === 'stopped') {
      sendError(res, 503, 'model.stopped', `model ${route.name} is stopped; start it with \`slipway start ${route.name}\``, undefined, undefined, unread);
      return false;
    }
    return true;
  }

  /** Reads the body within `limit` and the body budget (503 / 413 answered there), then `done`. */
  function readWithinBudget(req: IncomingMessage, res: ServerResponse, declared: number, limit: number, done: (body: Buffer) => void): void {
    readBodyWithin(budget, req, declared, limit, {
      overloaded: () => sendError(res, 503, 'gateway.overloaded', 'the gateway is reading as many request bodies as it may at once; retry shortly', undefined, ['retry-after', '1'], true),
      tooLarge: () => tooLarge(res, limit),
      body: (body) => {
        try {
          done(body);
        } catch (err) {
          failed(req, res, err);
        }
      },
    });
  }

  /** Answers 400 and returns false for a body that is not UTF-8. */
  function utf8(res: ServerResponse, body: Buffer): boolean {
    if (isUtf8(body)) return true;
    sendError(res, 400, 'request.invalid_json', 'the request body is not valid UTF-8; send JSON encoded as UTF-8');
    return false;
  }

  function namedCall(req: IncomingMessage, res: ServerResponse, name: string): void {
    const entry = routes.get(name);
    const headers = callHeaders(req.rawHeaders);
    const unread = headers.contentLength !== 0;
    if (entry === undefined) {
      sendError(res, 404, 'model.not_found', `no model named ${JSON.stringify(name)} is deployed`, undefined, undefined, unread);
      return;
    }
    if (!admit(entry, headers.authorization, res, unread)) return;
    const limit = entry.route.maxRequestBytes;
    if (headers.contentLength > limit) return tooLarge(res, limit);
    readWithinBudget(req, res, headers.contentLength, limit, (body) => {
      if (!utf8(res, body)) return;
      const scan = scanJson(body, false);
      if (!scan.ok) return sendError(res, 400, scan.code, `${scan.message}; send the model's input as the body`);
      if (!inputChecks.admit(res, name, body)) return;
      startCall(env, entry, res, body);
    });
  }

  function cmlCall(req: IncomingMessage, res: ServerResponse, queryKey: string | null): void {
    const headers = callHeaders(req.rawHeaders);
    const unread = headers.contentLength !== 0;
    if (routes.size === 0) {
      sendError(res, 404, 'model.not_found', 'no model is deployed here', undefined, undefined, unread);
      return;
    }
    let limit = largestLimit;
    if (headers.contentLength > limit) return tooLarge(res, limit);
    // While every served model needs an API key, who calls is settled from the headers: a
    // missing, unknown, revoked or expired key is refused before the body is read. When some model
    // takes calls without a key, the body must say which model is meant; a key is then checked
    // for that model, as on /models/<name> (and the body budget bounds what is read meanwhile).
    if (!anyWithoutKey) {
      const token = bearerToken(headers.authorization);
      const verdict = typeof token === 'string' ? authenticate(token) : token === undefined ? 'invalid' : 'missing';
      if (verdict !== 'ok') return refuseCredential(res, verdict, null, token === undefined, unread);
    }
    if (queryKey !== null) {
      const entry = entryForAccessKey(queryKey);
      if (entry === undefined) return accessKeyUnknown(res, unread);
      if (!admit(entry, headers.authorization, res, unread)) return;
      limit = entry.route.maxRequestBytes;
      if (headers.contentLength > limit) return tooLarge(res, limit);
    }
    readWithinBudget(req, res, headers.contentLength, limit, (body) => cmlBody(res, queryKey, headers.authorization, body));
  }

  function entryForAccessKey(accessKey: string): ModelEntry | undefined {
    const name = deps.modelForAccessKey(accessKey);
    return name === null ? undefined : routes.get(name);
  }

  function accessKeyUnknown(res: ServerResponse, unread: boolean): void {
    sendError(res, 404, 'model.not_found', 'no deployed model has this access key (a rotated key stops working at once)', undefined, undefined, unread);
  }

  function cmlBody(res: ServerResponse, queryKey: string | null, authorization: string | null, body: Buffer): void {
    if (!utf8(res, body)) return;
    const scan = scanJson(body, true);
    if (!scan.ok) return sendError(res, 400, scan.code, `${scan.message}; send {"accessKey": "...", "request": {...}}`);
    if (scan.request === null && !opensObject(body)) {
      sendError(res, 400, 'request.invalid_json', 'the request body must be a JSON object: {"accessKey": "...", "request": {...}}');
      return;
    }
    const accessKey = stringValue(body, scan.accessKey) ?? queryKey;
    if (accessKey === null) {
      sendError(res, 400, 'request.missing_field', 'missing field "accessKey": send the model\'s access key as a string in the body');
      return;
    }
    if (scan.request === null) {
      sendError(res, 400, 'request.missing_field', 'missing field "request": send the model\'s input as "request" in the body');
      return;
    }
    const entry = entryForAccessKey(accessKey);
    if (entry === undefined) return accessKeyUnknown(res, false);
    if (body.length > entry.route.maxRequestBytes) return tooLarge(res, entry.route.maxRequestBytes);
    if (!admit(entry, authorization, res, false)) return;
    const request = body.subarray(scan.request.start, scan.request.end);
    if (!inputChecks.admit(res, entry.route.name, request)) return;
    startCall(env, entry, res, request);
  }

  function route(req: IncomingMessage, res: ServerResponse): void {
    const url = req.url ?? '';
    const method = req.method;
    if (url === '/model' || url.startsWith('/model?')) {
      if (method !== 'POST') return notAllowed(res, 'POST');
      const queryKey = url.length > 6 ? new URLSearchParams(url.slice(7)).get('accessKey') : null;
      return cmlCall(req, res, queryKey === '' ? null : queryKey);
    }
    if (url.startsWith('/models/')) {
      if (method !== 'POST') return notAllowed(res, 'POST');
      let end = url.indexOf('?', 8);
      if (end < 0) end = url.length;
      if (url.charCodeAt(end - 1) === 47 /* / */) end--;
      return namedCall(req, res, url.slice(8, end));
    }
    if (url === '/openapi.json') {
      if (method !== 'GET') return notAllowed(res, 'GET');
      return serveOpenApi(res, [...routes.values()].map((entry) => entry.route));
    }
    if (url === '/healthz') {
      if (method !== 'GET' && method !== 'HEAD') return notAllowed(res, 'GET, HEAD');
      return sendJson(res, 200, { ok: true });
    }
    sendError(res, 404, 'route.not_found', `nothing is served at ${JSON.stringify(url.slice(0, 200))}; call POST /model or POST /models/<name>`);
  }

  function setRoute(next: ModelRoute): void {
    inputChecks.set(next);
    const entry = routes.get(next.name);
    if (entry === undefined) {
      // Links opened later read the route then, so they carry its deployment id at that time.
      const created = { route: next, removed: false, timed: callTimer(next.name) } as ModelEntry;
      created.pool = new ReplicaPool<ReplicaLink>({
        concurrency: next.concurrency,
        busyTimeoutMs: next.busyTimeoutMs,
        open: (handle, previous) => openLink(created.route, handle, previous),
        close: closeReplicaLink,
      });
      pools.set(created.pool, next.name);
      routes.set(next.name, created);
      created.pool.replace(next.replicas, true);
    } else {
      const newDeployment = entry.route.deploymentId !== next.deploymentId;
      entry.route = next;
      if (next.state === 'stopped') entry.pool.refuseQueued('stopped');
      // Replicas first: a higher concurrency must not send queued calls to the old set.
      entry.pool.replace(next.replicas, newDeployment);
      entry.pool.configure(next.concurrency, next.busyTimeoutMs);
    }
    recomputeLimit();
  }

  function removeRoute(name: string): void {
    const entry = routes.get(name);
    if (entry === undefined) return;
    routes.delete(name);
    inputChecks.remove(name);
    entry.removed = true;
    recomputeLimit();
    entry.pool.refuseQueued('removed');
    const ids = [...entry.pool.slots()].map((slot) => slot.id);
    entry.pool.replace([], true);
    void entry.pool.drained(ids).then(() => pools.delete(entry.pool));
  }

  return {
    handle(req, res) {
      try {
        route(req, res);
      } catch (err) {
        failed(req, res, err);
      }
    },

    handleClientError: answerClientError,
    setRoute,
    removeRoute,

    drain(replicaIds) {
      return Promise.all([...pools.keys()].map((pool) => pool.drained(replicaIds))).then(() => undefined);
    },

    countRestart(replicaId) {
      for (const pool of pools.keys()) {
        const slot = pool.get(replicaId);
        if (slot !== undefined) {
          slot.value.counters.restarts++;
          return;
        }
      }
      pendingRestarts.set(replicaId, (pendingRestarts.get(replicaId) ?? 0) + 1);
    },

    stats() {
      const out: ReplicaStats[] = [];
      for (const [pool, model] of pools) {
        for (const slot of pool.slots()) {
          const state = slot.listed && !slot.dead ? 'ready' : slot.inFlight > 0 ? 'draining' : 'removed';
          out.push({ model, replicaId: slot.id, origin: slot.origin, state, inFlight: slot.inFlight, ...slot.value.counters });
        }
      }
      return out;
    },

    queued(name) {
      return routes.get(name)?.pool.queued ?? 0;
    },

    async close() {
      const ids: string[] = [];
      for (const pool of pools.keys()) {
        pool.refuseQueued('removed');
        for (const slot of pool.slots()) ids.push(slot.id);
      }
      for (const name of [...routes.keys()]) removeRoute(name);
      await Promise.all([...pools.keys()].map((pool) => pool.drained(ids)));
      pools.clear();
    },
  };
}

function notAllowed(res: ServerResponse, allow: string): void {
  sendError(res, 405, 'method.not_allowed', `use ${allow} here`, undefined, ['allow', allow]);
}
