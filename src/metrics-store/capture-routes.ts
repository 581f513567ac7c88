// The metrics store's captured calls (capture-rows.ts), over its HTTP API:
//   POST /captures {calls: [CapturedCall], keep: {<model>: {maxPerDay, retentionDays}}}   a gateway's batch
//   GET  /captures?model=&sinceMs=&limit=&newest=1                                         oldest first
// A batch is cut to each model's `maxPerDay` for the UTC day (the sum over gateway replicas), and
// rows past their retention are deleted on a write, at most once an hour, before it is answered.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readJsonObject, replyError, replyJson, TOO_LARGE } from '../gateway/json-api.ts';
import { dayStart, keptCaptures, parseCaptureBatch } from './capture-rows.ts';
import type { MetricsBackend } from './metrics-backend.ts';

/** A gateway sends batches under this; the store refuses larger bodies with 413. */
export const MAX_CAPTURE_BODY = 16 * 1024 * 1024;
const RETENTION_EVERY_MS = 3_600_000;

export type CaptureRoutes = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void>;

export function createCaptureRoutes(opts: { backend: MetricsBackend; now: () => number; log?: (line: string) => void }): CaptureRoutes {
  let lastRetention = -Infinity;
  return async (req, res, url) => {
    if (req.method === 'GET') {
      const model = url.searchParams.get('model');
      if (!model) return replyError(res, 400, 'captures.bad_request', 'name the model: /captures?model=<name>');
      const limit = Number(url.searchParams.get('limit') ?? Number.MAX_SAFE_INTEGER);
      const sinceMs = Number(url.searchParams.get('sinceMs') ?? 0);
      if (!Number.isSafeInteger(limit) || limit < 1 || !Number.isSafeInteger(sinceMs)) return replyError(res, 400, 'captures.bad_request', 'limit must be a whole number ≥ 1 and sinceMs ms since the epoch');
      const calls = await opts.backend.listCaptures({ model, sinceMs, limit, newest: url.searchParams.get('newest') === '1' });
      return replyJson(res, 200, { calls: calls.map(({ expiresMs: _expires, ...call }) => call) });
    }
    if (req.method !== 'POST') return replyError(res, 405, 'method.not_allowed', 'use GET to read captured calls, POST to store a batch');
    const body = await readJsonObject(req, MAX_CAPTURE_BODY);
    if (body === TOO_LARGE) {
      res.shouldKeepAlive = false;
      return replyError(res, 413, 'request.too_large', `a batch of captured calls is at most ${MAX_CAPTURE_BODY} bytes`);
    }
    const batch = body ? parseCaptureBatch(body) : { ok: false as const, message: 'send {"calls": [...], "keep": {...}}' };
    if (!batch.ok) return replyError(res, 400, 'captures.bad_request', batch.message);
    const at = opts.now();
    const today = new Map<string, number>();
    for (const model of new Set(batch.calls.map((c) => c.model))) today.set(model, await opts.backend.countCaptures(model, dayStart(at)));
    const kept = keptCaptures(batch.calls, batch.keep, today);
    await opts.backend.insertCaptures(kept);
    if (at - lastRetention >= RETENTION_EVERY_MS) {
      lastRetention = at;
      const gone = await opts.backend.deleteExpiredCaptures(at);
      if (gone > 0) opts.log?.(`metrics store: ${gone} captured calls past retention deleted`);
    }
    replyJson(res, 200, { success: true, stored: kept.length });
  };
}
