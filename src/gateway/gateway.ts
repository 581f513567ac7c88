// The data plane: routes calls to models, checks keys and limits, and keeps the model table the
// supervisor updates with `setRoute` (see types.ts for the contract, answers.ts for the errors).
//
// Order of checks, cheapest and least revealing first:
//   /models/<name>: method → model → API key → stopped → Content-Length → body → JSON
//   /model:         method → Content-Length (largest limit) → body → JSON and fields →
//                   access key → the model's own limit → API key → stopped
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendError, sendJson } from './answers.ts';
import { answerClientError } from './client-error.ts';
import { bearerToken, callHeaders, readBody } from './request-body.ts';
import { type ModelEntry, startCall } from './model-call.ts';
import { closeReplicaLink, openReplicaLink, type ReplicaLink, zeroCounters } from './replica-link.ts';
import { ReplicaPool } from './replica-pool.ts';
import type { Gateway, GatewayDeps, ModelRoute, ReplicaHandle, ReplicaStats } from './types.ts';
import { refuseCredential } from './refuse-credential.ts';

const DEFAULT_MAX_REQUEST_BYTES = 5 * 1024 * 1024;

/** Creates the gateway; it serves nothing until `setRoute` gives it models. */
export function createGateway(deps: GatewayDeps): Gateway {
  const routes = new Map<string, ModelEntry>();
  /** Every pool with replicas, including those of removed models still finishing calls. */
  const pools = new Map<ReplicaPool<ReplicaLink>, string>();
  const pendingRestarts = new Map<string, number>();
  let largestLimit = DEFAULT_MAX_REQUEST_BYTES;
  const log = (line: string): void => {
    try {
      deps.log?.(line);
    } catch {
      // A broken logger must not break calls.
    }
  };
  const env = { deps, log };

  function recomputeLimit(): void {
    largestLimit = 0;
    for (const entry of routes.values()) largestLimit = Math.max(largestLimit, entry.route.maxRequestBytes);
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

  /** Checks the API key and the model's state; answers and returns false when the call stops here. */
  function admit(entry: ModelEntry, authorization: string | null, res: ServerResponse): boolean {
    const route = entry.route;
    if (route.auth) {
      const token = bearerToken(authorization);
      const verdict = token === undefined ? 'invalid' : deps.authorize(token, route.name);
      if (verdict !== 'ok') {
        refuseCredential(res, verdict, route.name, token === undefined);
        return false;
      }
    }
    if (route.state === 'stopped') {
      sendError(res, 503, 'model.stopped', `model ${route.name} is stopped; start it with \`slipway start ${route.name}\``);
      return false;
    }
    return true;
  }

  function namedCall(req: IncomingMessage, res: ServerResponse, name: string): void {
    const entry = routes.get(name);
    if (entry === undefined) {
      sendError(res, 404, 'model.not_found', `no model named ${JSON.stringify(name)} is deployed`);
      return;
    }
    const headers = callHeaders(req.rawHeaders);
    if (!admit(entry, headers.authorization, res)) return;
    const limit = entry.route.maxRequestBytes;
    if (headers.contentLength > limit) return tooLarge(res, limit);
    readBody(req, limit, (body) => {
      if (body === null) return tooLarge(res, limit);
      try {
        // Validity only: the replica gets the bytes exactly as the client sent them.
        JSON.parse(body.toString('utf8'));
      } catch (err) {
        sendError(res, 400, 'request.invalid_json', `the request body is not valid JSON (${(err as Error).message}); send the model's input as the body`);
        return;
      }
      try {
        startCall(env, entry, res, body);
      } catch (err) {
        failed(req, res, err);
      }
    });
  }

  function cmlCall(req: IncomingMessage, res: ServerResponse, queryKey: string | null): void {
    const headers = callHeaders(req.rawHeaders);
    const limit = largestLimit;
    if (headers.contentLength > limit) return tooLarge(res, limit);
    readBody(req, limit, (body) => {
      try {
        cmlBody(res, queryKey, headers.authorization, limit, body);
      } catch (err) {
        failed(req, res, err);
      }
    });
  }

  function cmlBody(
    res: ServerResponse, queryKey: string | null, authorization: string | null, limit: number, body: Buffer | null,
  ): void {
    if (body === null) return tooLarge(res, limit);
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch (err) {
      sendError(res, 400, 'request.invalid_json', `the request body is not valid JSON (${(err as Error).message}); send {"accessKey": "...", "request": {...}}`);
      return;
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      sendError(res, 400, 'request.invalid_json', 'the request body must be a JSON object: {"accessKey": "...", "request": {...}}');
      return;
    }
    const call = parsed as { accessKey?: unknown; request?: unknown };
    const accessKey = typeof call.accessKey === 'string' && call.accessKey !== '' ? call.accessKey : queryKey;
    if (accessKey === null) {
      sendError(res, 400, 'request.missing_field', 'missing field "accessKey": send the model\'s access key as a string in the body');
      return;
    }
    if (call.request === undefined) {
      sendError(res, 400, 'request.missing_field', 'missing field "request": send the model\'s input as "request" in the body');
      return;
    }
    const name = deps.modelForAccessKey(accessKey);
    const entry = name === null ? undefined : routes.get(name);
    if (entry === undefined) {
      sendError(res, 404, 'model.not_found', 'no deployed model has this access key (a rotated key stops working at once)');
      return;
    }
    if (body.length > entry.route.maxRequestBytes) return tooLarge(res, entry.route.maxRequestBytes);
    if (!admit(entry, authorization, res)) return;
    startCall(env, entry, res, JSON.stringify(call.request));
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
    if (url === '/healthz') {
      if (method !== 'GET' && method !== 'HEAD') return notAllowed(res, 'GET, HEAD');
      return sendJson(res, 200, { ok: true });
    }
    sendError(res, 404, 'route.not_found', `nothing is served at ${JSON.stringify(url.slice(0, 200))}; call POST /model or POST /models/<name>`);
  }

  function setRoute(next: ModelRoute): void {
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
