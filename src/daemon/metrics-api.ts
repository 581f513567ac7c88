// The gateway's metrics endpoints, which the runtime's `cdsw` / `cml.metrics_v1` SDK calls:
//   GET  /api/v1/metrics?modelDeploymentCrn=|modelCrn=|modelBuildCrn=|modelAccessKey=&startTimestampMs=&endTimestampMs=
//        → {"metrics": [{modelDeploymentCrn, modelBuildCrn, modelCrn, predictionUuid, startTimeStampMs, endTimeStampMs, metrics}]}
//   POST /api/v1/metrics {"type": "delayed", "predictionUuid", "metrics"}
//   POST /api/v1/metrics {"type": "aggregate", "modelDeploymentCrn", "startTimestampMs", "endTimestampMs", "metrics"}
// Each needs `Authorization: Bearer` with an API key valid for the model, the daemon's token, or the
// replicas' internal token (so model code can report delayed metrics without a key of its own).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readJsonObject, replyError, replyJson, TOO_LARGE } from '../gateway/json-api.ts';
import type { Keyring } from '../keys/keyring.ts';
import type { Store } from '../store/database.ts';
import { getDeployment } from '../store/deployments.ts';
import { metricsBetween, predictionOwner, recordMetrics, type StoredMetric } from '../store/metrics.ts';
import { buildCrn, deploymentCrn, modelCrn, parseCrn } from '../backends/local/deployment-crn.ts';

export type MetricsApiDeps = {
  store: Store;
  keyring: () => Keyring;
  /** True for the daemon's own tokens, which may read and write any model's metrics. */
  trusted: (token: string | null) => boolean;
};

const MAX_BODY = 1024 * 1024;

export function createMetricsApi(deps: MetricsApiDeps) {
  return async function handleMetrics(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://gateway');
    const token = bearer(req.headers.authorization);
    if (req.method === 'GET') {
      const target = targetOf(url.searchParams, deps);
      if (typeof target === 'string') return replyError(res, 400, 'metrics.bad_request', target);
      if (!allowed(token, target.model, deps)) return replyError(res, 401, 'auth.invalid', `reading metrics of ${target.model} needs an API key valid for it`);
      const from = new Date(Number(url.searchParams.get('startTimestampMs') ?? 0));
      const to = new Date(Number(url.searchParams.get('endTimestampMs') ?? Date.now()));
      const rows = metricsBetween(deps.store, target.model, { from, to, deploymentId: target.deploymentId });
      return replyJson(res, 200, { metrics: group(rows, deps.store) });
    }
    if (req.method !== 'POST') return replyError(res, 405, 'method.not_allowed', 'use GET to read metrics, POST to track them');
    const body = await readJsonObject(req, MAX_BODY);
    if (body === TOO_LARGE) {
      res.shouldKeepAlive = false;
      return replyError(res, 413, 'request.too_large', `a metrics body is at most ${MAX_BODY} bytes`);
    }
    if (body === null) return replyError(res, 400, 'request.bad_json', 'the body must be a JSON object');
    const metrics = body.metrics;
    if (typeof metrics !== 'object' || metrics === null || Array.isArray(metrics)) return replyError(res, 400, 'metrics.bad_request', '"metrics" must be an object');
    if (body.type === 'delayed') {
      const uuid = typeof body.predictionUuid === 'string' ? body.predictionUuid : '';
      const owner = uuid ? predictionOwner(deps.store, uuid) : null;
      if (!owner) return replyError(res, 404, 'prediction.not_found', `no prediction ${JSON.stringify(uuid)} has metrics here`);
      if (!allowed(token, owner.model, deps)) return replyError(res, 401, 'auth.invalid', `tracking metrics of ${owner.model} needs an API key valid for it`);
      recordMetrics(deps.store, { model: owner.model, deploymentId: owner.deploymentId, uuid, metrics: metrics as Record<string, unknown> });
      return replyJson(res, 200, { success: true });
    }
    if (body.type === 'aggregate') {
      const crn = typeof body.modelDeploymentCrn === 'string' ? parseCrn(body.modelDeploymentCrn) : null;
      if (!crn?.deploymentId) return replyError(res, 400, 'metrics.bad_request', 'aggregate metrics need "modelDeploymentCrn": "crn:slipway:model/<name>/deployment/<id>"');
      if (!allowed(token, crn.model, deps)) return replyError(res, 401, 'auth.invalid', `tracking metrics of ${crn.model} needs an API key valid for it`);
      recordMetrics(deps.store, { model: crn.model, deploymentId: crn.deploymentId, metrics: metrics as Record<string, unknown> });
      return replyJson(res, 200, { success: true });
    }
    return replyError(res, 400, 'metrics.bad_request', '"type" must be "delayed" or "aggregate"');
  };
}

/** Which model (and deployment) a read asks for, or why the query names none. */
function targetOf(params: URLSearchParams, deps: MetricsApiDeps): { model: string; deploymentId: number | null } | string {
  const accessKey = params.get('modelAccessKey');
  if (accessKey) {
    const model = deps.keyring().modelForAccessKey(accessKey);
    return model ? { model, deploymentId: null } : 'no model has this access key';
  }
  for (const name of ['modelDeploymentCrn', 'modelCrn', 'modelBuildCrn']) {
    const value = params.get(name);
    if (!value) continue;
    const crn = parseCrn(value);
    if (!crn) return `${name} ${JSON.stringify(value)} is not a Slipway CRN (crn:slipway:model/<name>[/deployment/<id>])`;
    return { model: crn.model, deploymentId: crn.deploymentId };
  }
  return 'name the model: modelDeploymentCrn, modelCrn, modelBuildCrn or modelAccessKey';
}

function allowed(token: string | null, model: string, deps: MetricsApiDeps): boolean {
  return deps.trusted(token) || deps.keyring().verifyApiKey(token, model) === 'ok';
}

/** One entry per prediction (or per untied report), in CML's shape. */
function group(rows: StoredMetric[], store: Store): unknown[] {
  const entries = new Map<string, { row: StoredMetric; metrics: Record<string, unknown> }>();
  for (const row of rows) {
    const id = row.uuid ?? `${row.deploymentId}@${row.createdAt}`;
    const entry = entries.get(id) ?? { row, metrics: {} };
    entry.metrics[row.name] = row.value;
    entries.set(id, entry);
  }
  const buildOf = new Map<number, number | null>();
  return [...entries.values()].map(({ row, metrics }) => {
    const ms = Date.parse(row.createdAt);
    let build: number | null = null;
    if (row.deploymentId !== null) {
      if (!buildOf.has(row.deploymentId)) buildOf.set(row.deploymentId, getDeployment(store, row.deploymentId)?.buildNumber ?? null);
      build = buildOf.get(row.deploymentId) ?? null;
    }
    return {
      modelDeploymentCrn: row.deploymentId === null ? null : deploymentCrn(row.model, row.deploymentId),
      modelBuildCrn: build === null ? null : buildCrn(row.model, build),
      modelCrn: modelCrn(row.model),
      predictionUuid: row.uuid,
      startTimeStampMs: ms,
      endTimeStampMs: ms,
      metrics,
    };
  });
}

function bearer(header: string | undefined): string | null {
  return header?.startsWith('Bearer ') ? header.slice(7) : null;
}
