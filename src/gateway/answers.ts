// What the gateway answers clients. Every answer is JSON, success or not, written in one
// `res.end` so headers and body leave in one send.
//
// Error answers are `{"success": false, "errorCode", "message"}` (plus `ReplicaID` when a replica
// was involved, and `error: {type, message}` for model errors):
//
// | status | errorCode             | when                                                          |
// |--------|-----------------------|---------------------------------------------------------------|
// | 400    | request.invalid_json  | the body is not valid UTF-8 or not JSON (both routes alike)   |
// | 400    | request.too_deep      | arrays / objects nested deeper than 512 (json-scan.ts)        |
// | 400    | request.missing_field | /model body without `accessKey` or `request` (message names it)|
// | 400    | request.invalid       | validateInput: the request does not match the input schema    |
// | 400    | request.rejected      | the replica refused the request body                          |
// | 400    | request.malformed     | the HTTP request itself could not be parsed (clientError);    |
// |        |                       | 431 when its headers are too large, 408 when it came too slowly|
// | 401    | auth.missing          | the model needs an API key and the call carried none          |
// | 401    | auth.invalid          | unknown API key, or Authorization is not `Bearer <key>`       |
// | 401    | auth.revoked          | the API key was revoked                                       |
// | 403    | auth.expired          | the API key expired                                           |
// | 403    | auth.forbidden        | the API key is scoped to other models                         |
// | 404    | model.not_found       | unknown access key or model name (or the model was removed)   |
// | 404    | route.not_found       | a path the gateway does not serve                             |
// | 405    | method.not_allowed    | a method other than POST (GET/HEAD for /healthz)              |
// | 413    | request.too_large     | body over the model's maxRequestBytes                         |
// | 429    | model.busy            | every replica stayed busy for busyTimeoutMs                   |
// | 500    | model.error           | the function raised; type and message, never the traceback    |
// | 500    | gateway.error         | a bug in the gateway (logged)                                 |
// | 502    | replica.died          | the replica's connection broke mid-call                       |
// | 502    | replica.bad_answer    | the replica answered outside the runtime protocol             |
// | 502    | replica.out_of_memory | the replica's memory limit (cgroup) killed it during the call |
// | 503    | model.stopped         | the model is stopped                                          |
// | 503    | model.unavailable     | no replica became ready within busyTimeoutMs                  |
// | 503    | gateway.overloaded    | the bodies being read at once fill the body budget (Retry-After)|
// | 504    | model.timeout         | the call ran past the model's timeout and was cut off         |
import type { ServerResponse } from 'node:http';

export type ErrorCode =
  | 'request.invalid_json' | 'request.invalid' | 'request.too_deep' | 'request.missing_field' | 'request.rejected' | 'request.malformed'
  | 'gateway.overloaded' | 'replica.out_of_memory'
  | 'auth.missing' | 'auth.invalid' | 'auth.revoked' | 'auth.expired' | 'auth.forbidden'
  | 'model.not_found' | 'route.not_found' | 'method.not_allowed' | 'request.too_large'
  | 'model.busy' | 'model.error' | 'gateway.error' | 'replica.died' | 'replica.bad_answer'
  | 'model.stopped' | 'model.unavailable' | 'model.timeout' | 'metrics.unavailable';

const JSON_TYPE = 'application/json';

/** Sends a JSON body that is already bytes (the success path). */
export function sendBytes(res: ServerResponse, status: number, body: Buffer): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, ['content-type', JSON_TYPE, 'content-length', String(body.length)]);
  res.end(body);
}

/**
 * Sends an error answer. `extra` fields are added to the body; `headers` (flat name, value list)
 * to the response, e.g. `allow` for 405. `close` ends the connection after the answer, for a
 * request whose body is left unread.
 */
export function sendError(
  res: ServerResponse,
  status: number,
  errorCode: ErrorCode,
  message: string,
  extra?: Record<string, unknown>,
  headers?: string[],
  close = false,
): void {
  if (res.headersSent || res.destroyed) return;
  const body = Buffer.from(JSON.stringify({ success: false, errorCode, message, ...extra }));
  const head = ['content-type', JSON_TYPE, 'content-length', String(body.length)];
  if (headers !== undefined) head.push(...headers);
  if (close) {
    head.push('connection', 'close');
    res.shouldKeepAlive = false;
  }
  res.writeHead(status, head);
  res.end(body);
}

/** A small fixed answer such as /healthz. */
export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  sendBytes(res, status, Buffer.from(JSON.stringify(value)));
}
