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
//   /openapi.json:  method → API key present, known, not revoked or expired → the models it may call
// The replica gets the bytes of the request as the client sent them: the whole body on
// /models/<name>, the bytes of the envelope's `request` value on /model (never re-serialized).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendError, sendJson } from './answers.ts';
import { createBodyBudget, DEFAULT_BODY_BUDGET_BYTES } from './body-budget.ts';
import { createCallAdmission } from './call-admission.ts';
import { answerClientError } from './client-error.ts';
import { opensObject, scanJson, stringValue } from './json-scan.ts';
import { bearerToken, callHeaders } from './request-body.ts';
import { type ModelEntry, startCall } from './model-call.ts';
import { createRouteTable } from './route-table.ts';
import type { Gateway, GatewayDeps } from './types.ts';
import { refuseCredential } from './refuse-credential.ts';
import { createInputChecks } from './input-check.ts';
import { serveOpenApi } from './openapi.ts';

/** Creates the gateway; it serves nothing until `setRoute` gives it models. */
export function createGateway(deps: GatewayDeps): Gateway {
  const log = (line: string): void => {
    try {
      deps.log?.(line);
    } catch {
      // A broken logger must not break calls.
    }
  };
  const env = { deps, log, random: deps.random ?? Math.random };
  const routes = createRouteTable(deps, log);
  const admission = createCallAdmission(deps, createBodyBudget(deps.bodyBudgetBytes ?? DEFAULT_BODY_BUDGET_BYTES), failed);
  const { admit, readWithinBudget, tooLarge, utf8 } = admission;
  const inputChecks = createInputChecks(log);

  /** A bug reached a call: log it, answer 500, keep serving. */
  function failed(req: IncomingMessage, res: ServerResponse, err: unknown): void {
    log(`gateway error on ${req.method} ${req.url}: ${(err as Error)?.stack ?? String(err)}`);
    sendError(res, 500, 'gateway.error', 'the gateway failed on this call; the error is in the daemon log');
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
    let limit = routes.largestLimit;
    if (headers.contentLength > limit) return tooLarge(res, limit);
    // While every served model needs an API key, who calls is settled from the headers: a
    // missing, unknown, revoked or expired key is refused before the body is read. When some model
    // takes calls without a key, the body must say which model is meant; a key is then checked
    // for that model, as on /models/<name> (and the body budget bounds what is read meanwhile).
    if (!routes.anyWithoutKey) {
      const token = bearerToken(headers.authorization);
      const verdict = typeof token === 'string' ? admission.authenticate(token) : token === undefined ? 'invalid' : 'missing';
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

  /**
   * GET /openapi.json names models and their examples' shapes, so it needs a valid API key (as a
   * call does) and describes only the models that key may call: those it is scoped to, or every
   * model for an unscoped key, plus the models that take calls without a key.
   */
  function openApi(req: IncomingMessage, res: ServerResponse): void {
    const token = bearerToken(callHeaders(req.rawHeaders).authorization);
    const verdict = typeof token === 'string' ? admission.authenticate(token) : token === undefined ? 'invalid' : 'missing';
    if (verdict !== 'ok') return refuseCredential(res, verdict, null, token === undefined);
    serveOpenApi(res, inputChecks.routes().filter((route) => !route.auth || deps.authorize(token as string, route.name) === 'ok'));
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
      return openApi(req, res);
    }
    if (url === '/healthz') {
      if (method !== 'GET' && method !== 'HEAD') return notAllowed(res, 'GET, HEAD');
      return sendJson(res, 200, { ok: true });
    }
    sendError(res, 404, 'route.not_found', `nothing is served at ${JSON.stringify(url.slice(0, 200))}; call POST /model or POST /models/<name>`);
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
    setRoute: (route) => {
      inputChecks.set(route);
      routes.setRoute(route);
    },
    removeRoute: (name) => {
      inputChecks.remove(name);
      routes.removeRoute(name);
    },
    drain: (replicaIds) => routes.drain(replicaIds),
    countRestart: (replicaId) => routes.countRestart(replicaId),
    stats: () => routes.stats(),
    queued: (name) => routes.queued(name),
    shadowDropped: (name) => routes.get(name)?.shadows.reduce((sum, shadow) => sum + shadow.dropped, 0) ?? 0,
    close: () => routes.close(),
  };
}

function notAllowed(res: ServerResponse, allow: string): void {
  sendError(res, 405, 'method.not_allowed', `use ${allow} here`, undefined, ['allow', allow]);
}
