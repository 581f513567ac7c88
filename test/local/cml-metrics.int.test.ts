// A CML model file, unchanged (`cdsw.model_metrics`, `cdsw.track_metric`), served by the daemon:
// its answer carries a prediction uuid as CML's does, and its tracked metrics are stored in the
// metrics table of .slipway/state.db, tied to that uuid, the deployment and the replica.
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { localProject } from '../support/local-daemon.ts';

const modelsYaml = `version: 1
project: metrics
models:
  - name: scorer
    file: scorer/predict.py
    function: predict
    auth: false
`;

const cmlModel = `import cdsw

@cdsw.model_metrics
def predict(args):
    x = args["x"]
    cdsw.track_metric("input_x", x)
    cdsw.track_metric("label", "big" if x > 5 else "small")
    return {"y": x * 2}
`;

type MetricRow = { model: string; deployment_id: number; replica_id: string; uuid: string; name: string; value: string };

test('cdsw.model_metrics and track_metric: the answer has a uuid and the metrics are stored', async () => {
  const p = await localProject({ 'models.yaml': modelsYaml, 'scorer/predict.py': cmlModel });
  try {
    await p.ok('up', '-d', '--no-watch', '--port', String(p.port));
    const first = await p.cml(p.accessKey('scorer'), { x: 7 });
    assert.is(first.status, 200, JSON.stringify(first.body));
    assert.is(first.body.success, true);
    const response = first.body.response;
    // CML's shape: clients read response["response"]["uuid"] and ["prediction"].
    assert.match(response.uuid, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(response.prediction, { y: 14 });
    const second = await p.call('scorer', { x: 2 });
    assert.is(second.status, 200, JSON.stringify(second.body));
    assert.is.not(second.body.response.uuid, response.uuid);
    assert.equal(second.body.response.prediction, { y: 4 });

    // The gateway stores a call's metrics before it answers, so they are there already.
    const rows = readMetricRows(path.join(p.root, '.slipway', 'state.db'));
    const of = (uuid: string) => Object.fromEntries(rows.filter((r) => r.uuid === uuid).map((r) => [r.name, JSON.parse(r.value)]));
    assert.equal(of(response.uuid), { input_x: 7, label: 'big' });
    assert.equal(of(second.body.response.uuid), { input_x: 2, label: 'small' });
    assert.is(rows.length, 4);
    for (const row of rows) {
      assert.is(row.model, 'scorer');
      assert.is(row.deployment_id, 1);
      assert.is(row.replica_id, first.body.ReplicaID);
    }
  } finally {
    await p.cleanup();
  }
});

const metricsYaml = `version: 1
project: metrics
models:
  - name: scorer
    file: scorer/predict.py
    function: predict
  - name: reporter
    file: scorer/predict.py
    function: report
`;

const reportingModel = `import cdsw

@cdsw.model_metrics
def predict(args):
    cdsw.track_metric("x", args["x"])
    return args["x"] * 2


def report(args):
    # Model code reaches the metrics API with the token its replica was given: no key of its own.
    cdsw.track_delayed_metrics({"truth": args["truth"]}, args["uuid"])
    return cdsw.read_metrics(model_crn="crn:slipway:model/scorer")
`;

test('the metrics API: delayed metrics and read_metrics from model code, API keys for clients', async () => {
  const p = await localProject({ 'models.yaml': metricsYaml, 'scorer/predict.py': reportingModel });
  try {
    await p.ok('up', '-d', '--no-watch', '--port', String(p.port));
    const key = await p.apiKey('--models', 'scorer,reporter');
    const scored = await p.call('scorer', { x: 4 }, key);
    assert.is(scored.status, 200, JSON.stringify(scored.body));
    const uuid = scored.body.response.uuid as string;
    const deployment = (await p.status()).models.find((m) => m.model === 'scorer')?.deploymentId;
    const crn = `crn:slipway:model/scorer/deployment/${deployment}`;
    assert.is(scored.body.response.model_deployment_crn, crn);

    const reported = await p.call('reporter', { uuid, truth: 8 }, key);
    assert.is(reported.status, 200, JSON.stringify(reported.body));
    const entries = reported.body.response.metrics as Array<Record<string, unknown>>;
    assert.is(entries.length, 1);
    assert.is(entries[0].predictionUuid, uuid);
    assert.is(entries[0].modelDeploymentCrn, crn);
    assert.is(entries[0].modelBuildCrn, 'crn:slipway:model/scorer/build/1');
    assert.equal(entries[0].metrics, { x: 4, truth: 8 });

    // Clients read with an API key valid for the model; without one they are refused.
    const read = (auth?: string) =>
      fetch(`${p.url}/api/v1/metrics?modelCrn=crn:slipway:model/scorer`, { headers: auth ? { authorization: `Bearer ${auth}` } : {} });
    assert.is((await read()).status, 401);
    const other = await p.apiKey('--models', 'reporter');
    assert.is((await read(other)).status, 401);
    const allowed = await read(key);
    assert.is(allowed.status, 200);
    const body = (await allowed.json()) as { metrics: Array<{ metrics: unknown }> };
    assert.equal(body.metrics.map((m) => m.metrics), [{ x: 4, truth: 8 }]);
  } finally {
    await p.cleanup();
  }
});

function readMetricRows(file: string): MetricRow[] {
  const db = new DatabaseSync(file, { readOnly: true });
  try {
    return db.prepare('SELECT model, deployment_id, replica_id, uuid, name, value FROM metrics ORDER BY id').all() as MetricRow[];
  } finally {
    db.close();
  }
}

test.run();
