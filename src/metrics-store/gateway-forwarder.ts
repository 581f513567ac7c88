// The in-cluster gateway's side of the metrics store: each call's tracked metrics are sent to the
// store (`/ingest`), and CML's metrics API (`/api/v1/metrics`) is answered by the store once the
// caller's API key is checked here, where the keys are. The store itself trusts only its token.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseCrn } from '../backends/local/deployment-crn.ts';
import type { AuthVerdict, CallMetrics } from '../gateway/types.ts';

export type MetricsForwarderOptions = {
  /** `http://slipway-metrics-store` in the cluster. */
  url: string;
  token: string;
  /** The gateway's own check of an API key for a model. */
  authorize: (apiKey: string | null, model: string) => AuthVerdict;
  log: (line: string) => void;
};

export type MetricsForwarder = {
  /**
   * For GatewayDeps.recordMetrics: sends the call's metrics to the store; settles (never rejects)
   * once the store has them or failed, and the gateway answers the call then.
   */
  record(m: CallMetrics): Promise<void>;
  /** Answers `/api/v1/metrics` through the store. */
  handle(req: IncomingMessage, res: ServerResponse): void;
};

const MAX_BODY = 1024 * 1024;

export function createMetricsForwarder(opts: MetricsForwarderOptions): MetricsForwarder {
  const headers = { authorization: `Bearer ${opts.token}`, 'content-type': 'application/json' };

  async function forward(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://gateway');
    const auth = req.headers.authorization;
    const key = auth?.startsWith('Bearer ') ? auth.slice(7) : null;
    const refuse = (model: string) => reply(res, 401, 'auth.invalid', `metrics of ${model} need an API key valid for it`);
    let body: string | undefined;
    let model: string | null = null;
    if (req.method === 'GET') {
      const crnText = url.searchParams.get('modelDeploymentCrn') ?? url.searchParams.get('modelCrn') ?? url.searchParams.get('modelBuildCrn');
      model = crnText ? (parseCrn(crnText)?.model ?? null) : null;
    } else if (req.method === 'POST') {
      body = await readBody(req);
      let parsed: { type?: unknown; predictionUuid?: unknown; modelDeploymentCrn?: unknown } = {};
      try {
        parsed = JSON.parse(body ?? '') as typeof parsed;
      } catch {
        return reply(res, 400, 'request.invalid_json', 'the body must be a JSON object');
      }
      if (parsed.type === 'aggregate' && typeof parsed.modelDeploymentCrn === 'string') model = parseCrn(parsed.modelDeploymentCrn)?.model ?? null;
      if (parsed.type === 'delayed' && typeof parsed.predictionUuid === 'string') {
        const owner = await fetch(`${opts.url}/owner?uuid=${encodeURIComponent(parsed.predictionUuid)}`, { headers });
        if (owner.status === 404) return reply(res, 404, 'prediction.not_found', `no prediction ${JSON.stringify(parsed.predictionUuid)} has metrics here`);
        model = ((await owner.json()) as { model: string }).model;
      }
    } else {
      return reply(res, 405, 'method.not_allowed', 'use GET to read metrics, POST to track them');
    }
    // Unnamed models are the store's to refuse with its own message; a named one needs a key for it.
    if (model !== null && opts.authorize(key, model) !== 'ok') return refuse(model);
    if (model === null && req.method === 'GET') return reply(res, 400, 'metrics.bad_request', 'name the model: modelDeploymentCrn or modelCrn');
    const answer = await fetch(`${opts.url}/api/v1/metrics${url.search}`, { method: req.method, headers, body });
    const text = await answer.text();
    res.writeHead(answer.status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  }

  return {
    record(m) {
      return fetch(`${opts.url}/ingest`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ model: m.model, deploymentId: m.deploymentId, replicaId: m.replicaId, uuid: m.uuid, metrics: m.metrics }),
      }).then(
        async (answer) => {
          if (!answer.ok) opts.log(`metrics store refused the metrics of ${m.model}: ${answer.status} ${await answer.text()}`);
          else await answer.arrayBuffer();
        },
        (error: Error) => opts.log(`cannot reach the metrics store for ${m.model}: ${error.message}`),
      );
    },
    handle(req, res) {
      forward(req, res).catch((error: Error) => {
        opts.log(`metrics API through the store failed: ${error.message}`);
        if (!res.headersSent) reply(res, 502, 'metrics.unavailable', 'the metrics store did not answer; see the gateway log');
        else res.end();
      });
    },
  };
}

function readBody(req: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        resolve(undefined);
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', () => resolve(undefined));
  });
}

/** CML's error shape, as the gateway's own answers. */
function reply(res: ServerResponse, status: number, errorCode: string, message: string): void {
  const body = JSON.stringify({ success: false, errorCode, message });
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}
