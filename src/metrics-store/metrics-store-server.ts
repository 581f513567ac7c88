// The metrics store's HTTP API, for in-cluster gateways (never for end users: the gateway checks
// their API keys, then calls this with the store's token):
//   POST /ingest {model, deploymentId, replicaId, uuid, metrics}       a call's tracked metrics
//   GET  /api/v1/metrics?modelCrn=|modelDeploymentCrn=&startTimestampMs=&endTimestampMs=   read_metrics
//   POST /api/v1/metrics {"type": "delayed" | "aggregate", …}          track_delayed / track_aggregate
//   GET  /owner?uuid=                                                  the model a prediction belongs to
//   POST /tech {atMs, samples: [TechWrite]}                            a gateway's 10 s technical sample
//   GET  /tech?model=&replica=&step=&fromMs=                           technical rows, for the dashboard
//   GET  /tech/recent?fromMs=                                          each model's calls, failed, p95
//   POST /captures, GET /captures?model=                               captured calls (capture-routes.ts)
// The token comes as `Authorization: Bearer` from gateways, or as `X-Slipway-Store-Token` through
// the API server's service proxy (`capture export --target`), which keeps Authorization for itself.
// Answers in CML's shapes, as the local daemon's metrics API does.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createHash, timingSafeEqual } from 'node:crypto';
import { deploymentCrn, modelCrn, parseCrn } from '../backends/local/deployment-crn.ts';
import { readJsonObject, replyError, replyJson, TOO_LARGE } from '../gateway/json-api.ts';
import type { MetricsBackend, TrackedMetric } from './metrics-backend.ts';
import { KEEP_MS } from '../telemetry/retention.ts';
import { STEPS, type SampleStep } from '../store/tech-samples.ts';
import { parseTechWrites } from './tech-rows.ts';
import { createCaptureRoutes } from './capture-routes.ts';

/** Retention of technical rows runs at most this often, on a write. */
const RETENTION_EVERY_MS = 3_600_000;

const MAX_BODY = 1024 * 1024;

export type MetricsStoreServerOptions = { backend: MetricsBackend; token: string; now?: () => number; log?: (line: string) => void };

/** One entry per prediction (or per untied report), in CML's read_metrics shape. */
export function cmlEntries(rows: readonly TrackedMetric[]): unknown[] {
  const entries = new Map<string, { row: TrackedMetric; metrics: Record<string, unknown> }>();
  for (const row of rows) {
    const id = row.uuid ?? `${row.deploymentId}@${row.atMs}`;
    const entry = entries.get(id) ?? { row, metrics: {} };
    entry.metrics[row.name] = row.value;
    entries.set(id, entry);
  }
  return [...entries.values()].map(({ row, metrics }) => ({
    modelDeploymentCrn: row.deploymentId === null ? null : deploymentCrn(row.model, row.deploymentId),
    modelBuildCrn: null,
    modelCrn: modelCrn(row.model),
    predictionUuid: row.uuid,
    startTimeStampMs: row.atMs,
    endTimeStampMs: row.atMs,
    metrics,
  }));
}

export function createMetricsStoreServer(opts: MetricsStoreServerOptions): Server {
  const now = opts.now ?? Date.now;
  let lastRetention = -Infinity;
  const digest = (s: string) => createHash('sha256').update(s).digest();
  const expected = digest(opts.token);
  const captures = createCaptureRoutes({ backend: opts.backend, now, log: opts.log });
  const authorized = (req: IncomingMessage) => {
    const header = req.headers.authorization;
    const proxied = req.headers['x-slipway-store-token'];
    if (typeof proxied === 'string') return timingSafeEqual(digest(proxied), expected);
    return !!header?.startsWith('Bearer ') && timingSafeEqual(digest(header.slice(7)), expected);
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://store');
    if (url.pathname === '/healthz') return replyJson(res, 200, { ok: true });
    if (!authorized(req)) return replyError(res, 401, 'auth.invalid', 'the metrics store needs Authorization: Bearer <its token>');
    if (url.pathname === '/ingest' && req.method === 'POST') {
      const body = await readJsonObject(req, MAX_BODY);
      if (body === TOO_LARGE) return tooLarge(res);
      if (!body || typeof body.model !== 'string' || !isObject(body.metrics)) return replyError(res, 400, 'metrics.bad_request', 'send {"model", "metrics": {…}} and optionally deploymentId, replicaId, uuid');
      await opts.backend.record({
        model: body.model, deploymentId: numberOrNull(body.deploymentId), replicaId: stringOrNull(body.replicaId), uuid: stringOrNull(body.uuid),
        metrics: body.metrics as Record<string, unknown>,
      }, now());
      return replyJson(res, 200, { success: true });
    }
    if (url.pathname === '/owner' && req.method === 'GET') {
      // Lets a gateway check the caller's API key against a prediction's model before forwarding.
      const owner = await opts.backend.predictionOwner(url.searchParams.get('uuid') ?? '');
      return owner ? replyJson(res, 200, owner) : replyError(res, 404, 'prediction.not_found', 'no prediction with this uuid has metrics here');
    }
    if (url.pathname === '/tech') return tech(req, res, url);
    if (url.pathname === '/captures') return captures(req, res, url);
    if (url.pathname === '/tech/recent' && req.method === 'GET') {
      return replyJson(res, 200, { models: await opts.backend.recentTech(Number(url.searchParams.get('fromMs') ?? 0) || 0) });
    }
    if (url.pathname !== '/api/v1/metrics') return replyError(res, 404, 'route.not_found', 'use /api/v1/metrics, /ingest, /owner, /tech or /captures');
    if (req.method === 'GET') {
      const crnText = url.searchParams.get('modelDeploymentCrn') ?? url.searchParams.get('modelCrn') ?? url.searchParams.get('modelBuildCrn');
      const crn = crnText ? parseCrn(crnText) : null;
      if (!crn) return replyError(res, 400, 'metrics.bad_request', 'name the model: modelDeploymentCrn or modelCrn (crn:slipway:model/<name>[/deployment/<id>])');
      const rows = await opts.backend.between(crn.model, {
        fromMs: Number(url.searchParams.get('startTimestampMs') ?? 0),
        toMs: Number(url.searchParams.get('endTimestampMs') ?? now()),
        deploymentId: crn.deploymentId,
      });
      return replyJson(res, 200, { metrics: cmlEntries(rows) });
    }
    if (req.method !== 'POST') return replyError(res, 405, 'method.not_allowed', 'use GET to read metrics, POST to track them');
    const body = await readJsonObject(req, MAX_BODY);
    if (body === TOO_LARGE) return tooLarge(res);
    if (!body || !isObject(body.metrics)) return replyError(res, 400, 'metrics.bad_request', '"metrics" must be an object');
    const metrics = body.metrics as Record<string, unknown>;
    if (body.type === 'delayed') {
      const uuid = typeof body.predictionUuid === 'string' ? body.predictionUuid : '';
      const owner = uuid ? await opts.backend.predictionOwner(uuid) : null;
      if (!owner) return replyError(res, 404, 'prediction.not_found', `no prediction ${JSON.stringify(uuid)} has metrics here`);
      await opts.backend.record({ model: owner.model, deploymentId: owner.deploymentId, uuid, metrics }, now());
      return replyJson(res, 200, { success: true });
    }
    if (body.type === 'aggregate') {
      const crn = typeof body.modelDeploymentCrn === 'string' ? parseCrn(body.modelDeploymentCrn) : null;
      if (!crn?.deploymentId) return replyError(res, 400, 'metrics.bad_request', 'aggregate metrics need "modelDeploymentCrn": "crn:slipway:model/<name>/deployment/<id>"');
      await opts.backend.record({ model: crn.model, deploymentId: crn.deploymentId, metrics }, now());
      return replyJson(res, 200, { success: true });
    }
    return replyError(res, 400, 'metrics.bad_request', '"type" must be "delayed" or "aggregate"');
  }

  async function tech(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    if (req.method === 'GET') {
      const model = url.searchParams.get('model');
      const step = Number(url.searchParams.get('step'));
      if (!model || !STEPS.includes(step as SampleStep)) return replyError(res, 400, 'tech.bad_request', 'name "model" and "step" (10, 60 or 3600); optionally "replica" and "fromMs"');
      const rows = await opts.backend.readTech({ model, replica: url.searchParams.get('replica') ?? '', step: step as SampleStep, fromMs: Number(url.searchParams.get('fromMs') ?? 0) || 0 });
      return replyJson(res, 200, { rows });
    }
    if (req.method !== 'POST') return replyError(res, 405, 'method.not_allowed', 'use GET to read technical rows, POST to store a sample');
    const body = await readJsonObject(req, MAX_BODY);
    if (body === TOO_LARGE) return tooLarge(res);
    if (!body || typeof body.atMs !== 'number' || !Number.isSafeInteger(body.atMs)) return replyError(res, 400, 'tech.bad_request', 'send {"atMs": <ms since the epoch>, "samples": [...]}');
    const parsed = parseTechWrites(body.samples);
    if (!parsed.ok) return replyError(res, 400, 'tech.bad_request', parsed.message);
    await opts.backend.writeTech(body.atMs, parsed.samples);
    // Before answering, so a read after the answer never sees rows past retention.
    const at = now();
    if (at - lastRetention >= RETENTION_EVERY_MS) {
      lastRetention = at;
      let gone = 0;
      for (const step of STEPS) gone += await opts.backend.deleteTechBefore(step, at - KEEP_MS[step]);
      if (gone > 0) opts.log?.(`metrics store: ${gone} technical rows past retention deleted`);
    }
    replyJson(res, 200, { success: true });
  }

  return createServer((req, res) => {
    handle(req, res).catch((error: Error) => {
      opts.log?.(`metrics store error: ${error.message}`);
      if (!res.headersSent) replyError(res, 500, 'store.error', 'the metrics store failed on this request; see its log');
      else res.end();
    });
  });
}

const isObject = (v: unknown): boolean => typeof v === 'object' && v !== null && !Array.isArray(v);
const numberOrNull = (v: unknown): number | null => (typeof v === 'number' && Number.isSafeInteger(v) ? v : null);
const stringOrNull = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/** Past the body limit: 413 and the connection closed, as the daemon's metrics API does. */
function tooLarge(res: ServerResponse): void {
  res.shouldKeepAlive = false;
  replyError(res, 413, 'request.too_large', `a metrics body is at most ${MAX_BODY} bytes`);
}
