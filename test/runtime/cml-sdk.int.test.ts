// The CML-compatible SDK (cdsw, cml.models_v1, cml.metrics_v1) inside real replicas and plain python3.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { request } from 'undici';
import { modelFolder, runtimeDir, startReplica, waitFor } from './replica-process.ts';

// Answers are checked field by field, so a loose type keeps the assertions readable.
type Json = any;

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

async function invoke(url: string, body: unknown): Promise<{ status: number; json: Json }> {
  const res = await request(`${url}/invoke`, { method: 'POST', body: JSON.stringify(body) });
  return { status: res.statusCode, json: await res.body.json() };
}

test('cdsw.model_metrics: the response carries a uuid and the tracked metrics travel back', async () => {
  const replica = await startReplica(
    {
      'predict.py': [
        'import cdsw',
        '@cdsw.model_metrics',
        'def predict(args):',
        '    cdsw.track_metric("input", args)',
        '    args["changed"] = True  # tracked values are kept as they were when tracked',
        '    cdsw.track_metric("output", 0.5)',
        '    return {"probability": 0.5}',
        '',
      ].join('\n'),
    },
    'predict.py',
    'predict',
    { SLIPWAY_MODEL_DEPLOYMENT_CRN: 'crn:slipway:model/churn/deployment/7' },
  );
  try {
    const { status, json } = await invoke(replica.url, { tenure: 3 });
    assert.is(status, 200);
    assert.match(json.uuid, uuidPattern);
    assert.equal(json.metrics, { input: { tenure: 3 }, output: 0.5 });
    // What a CML client sees under "response": the prediction, the deployment CRN and the uuid.
    assert.equal(json.response, {
      prediction: { probability: 0.5 },
      model_deployment_crn: 'crn:slipway:model/churn/deployment/7',
      uuid: json.uuid,
    });
    const again = await invoke(replica.url, { tenure: 4 });
    assert.is.not(again.json.uuid, json.uuid);
  } finally {
    await replica.stop();
  }
});

test('cml.models_v1.cml_model(metrics=True) with cml.metrics_v1.track_metric; plain @cml_model has no metrics', async () => {
  const files = {
    'predict.py': [
      'import cml.models_v1 as models',
      'import cml.metrics_v1 as metrics',
      '@models.cml_model(metrics=True)',
      'def predict(args):',
      '    metrics.track_metric("input", args)',
      '    return args["x"] + 1',
      '@models.cml_model',
      'def plain(args):',
      '    metrics.track_metric("ignored", 1)',
      '    return args["x"] + 2',
      '',
    ].join('\n'),
  };
  const withMetrics = await startReplica(files, 'predict.py', 'predict');
  try {
    const { json } = await invoke(withMetrics.url, { x: 1 });
    assert.match(json.uuid, uuidPattern);
    assert.equal(json.metrics, { input: { x: 1 } });
    assert.is(json.response.prediction, 2);
    assert.is(json.response.uuid, json.uuid);
  } finally {
    await withMetrics.stop();
  }
  const plain = await startReplica(files, 'predict.py', 'plain');
  try {
    const first = await invoke(plain.url, { x: 1 });
    assert.equal(first, { status: 200, json: { response: 3, metrics: null, uuid: null } });
    await invoke(plain.url, { x: 1 });
    await waitFor(() => plain.stderr().includes('outside a metrics-enabled function'), 'the warning');
    assert.is(plain.stderr().split('outside a metrics-enabled function').length - 1, 1);
  } finally {
    await plain.stop();
  }
});

type Recorded = { method: string; url: string; auth: string | undefined; body: Json };

/** A loopback stand-in for the gateway's SDK endpoints that records what the SDK sends. */
async function recordingGateway(): Promise<{ url: string; calls: Recorded[]; close: () => Promise<void> }> {
  const calls: Recorded[] = [];
  const server = http.createServer((req, res) => {
    let text = '';
    req.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
    req.on('end', () => {
      const body = text ? JSON.parse(text) : null;
      calls.push({ method: req.method!, url: req.url!, auth: req.headers.authorization, body });
      let status = 200;
      let answer: Json = { success: true };
      if (req.url === '/model' && body.accessKey === 'revoked') {
        status = 404;
        answer = { success: false, errorCode: 'model.notFound', message: 'unknown access key' };
      } else if (req.url === '/model') {
        answer = { success: true, response: { echo: body.request }, ReplicaID: 'other-1-1-abcd' };
      } else if (req.method === 'GET') {
        answer = { metrics: [{ predictionUuid: 'u-1', metrics: { input: 1 } }] };
      } else if (body.type === 'delayed' && body.predictionUuid === 'unknown') {
        status = 404;
        answer = { success: false, errorCode: 'metrics.notFound', message: 'no prediction u' };
      }
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, calls, close: () => new Promise((r) => server.close(() => r())) };
}

test('call_model, read_metrics, track_delayed_metrics and track_aggregate_metrics speak the gateway contract', async () => {
  const gateway = await recordingGateway();
  const replica = await startReplica(
    {
      'client.py': [
        'import cdsw',
        'def run(args):',
        '    out = {}',
        '    out["call"] = cdsw.call_model("k" * 32, {"a": 1}, api_key="api-key-1")',
        '    out["refused"] = cdsw.call_model("revoked", {"a": 1})',
        '    out["read"] = cdsw.read_metrics(model_deployment_crn="crn:d", start_timestamp_ms=5, end_timestamp_ms=9)',
        '    out["delayed"] = cdsw.track_delayed_metrics({"truth": 1}, "u-1")',
        '    out["aggregate"] = cdsw.track_aggregate_metrics({"accuracy": 0.9}, 10, 20)',
        '    try:',
        '        cdsw.track_delayed_metrics({"truth": 1}, "unknown")',
        '    except cdsw.GatewayError as exc:',
        '        out["error"] = [exc.status, str(exc)]',
        '    return out',
        '',
      ].join('\n'),
    },
    'client.py',
    'run',
    { SLIPWAY_GATEWAY_URL: `${gateway.url}/`, SLIPWAY_MODEL_DEPLOYMENT_CRN: 'crn:self' },
  );
  try {
    const { status, json } = await invoke(replica.url, {});
    assert.is(status, 200, JSON.stringify(json));
    const out = json.response;
    assert.equal(out.call, { success: true, response: { echo: { a: 1 } }, ReplicaID: 'other-1-1-abcd' });
    assert.equal(out.refused, { success: false, errorCode: 'model.notFound', message: 'unknown access key' });
    assert.equal(out.read, { metrics: [{ predictionUuid: 'u-1', metrics: { input: 1 } }] });
    assert.equal(out.delayed, { success: true });
    assert.equal(out.aggregate, { success: true });
    assert.is(out.error[0], 404);
    assert.match(out.error[1], /track_delayed_metrics: the gateway answered 404: no prediction u/);

    const [call, refused, read, delayed, aggregate] = gateway.calls;
    assert.equal(call, { method: 'POST', url: '/model', auth: 'Bearer api-key-1', body: { accessKey: 'k'.repeat(32), request: { a: 1 } } });
    assert.is(refused.auth, undefined);
    assert.is(read.method, 'GET');
    const query = new URL(read.url, gateway.url);
    assert.is(query.pathname, '/api/v1/metrics');
    assert.equal(Object.fromEntries(query.searchParams), {
      modelDeploymentCrn: 'crn:d',
      startTimestampMs: '5',
      endTimestampMs: '9',
    });
    assert.equal(delayed.body, { type: 'delayed', predictionUuid: 'u-1', metrics: { truth: 1 } });
    assert.is(delayed.url, '/api/v1/metrics');
    assert.equal(aggregate.body, {
      type: 'aggregate',
      modelDeploymentCrn: 'crn:self',
      startTimestampMs: 10,
      endTimestampMs: 20,
      metrics: { accuracy: 0.9 },
    });
  } finally {
    await replica.stop();
    await gateway.close();
  }
});

test('outside a replica, with no gateway, metrics live in memory as in a CML session (read with dev=True)', () => {
  const dir = modelFolder({
    'predict.py': 'import cdsw\n@cdsw.model_metrics\ndef predict(args):\n    cdsw.track_metric("input", args)\n    return 1\n',
    'session.py': [
      'import json, cdsw',
      'from predict import predict',
      'answer = predict({"x": 1})',
      'cdsw.track_delayed_metrics({"truth": 0}, answer["uuid"])',
      'cdsw.track_aggregate_metrics({"accuracy": 1.0}, 0, 1)',
      'print(json.dumps({"answer": answer, "read": cdsw.read_metrics(dev=True)}))',
      '',
    ].join('\n'),
  });
  try {
    const env: NodeJS.ProcessEnv = { ...process.env, PYTHONPATH: runtimeDir, PYTHONDONTWRITEBYTECODE: '1' };
    delete env.SLIPWAY_GATEWAY_URL;
    const run = spawnSync('python3', ['session.py'], { cwd: dir, env, encoding: 'utf8' });
    assert.is(run.status, 0, run.stderr);
    const { answer, read } = JSON.parse(run.stdout);
    assert.is(answer.prediction, 1);
    assert.match(answer.uuid, uuidPattern);
    const [aggregate, prediction] = read.metrics;
    assert.equal(aggregate.metrics, { accuracy: 1.0 });
    assert.is(aggregate.predictionUuid, null);
    assert.is(prediction.predictionUuid, answer.uuid);
    assert.equal(prediction.metrics, { input: { x: 1 }, truth: 0 });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
