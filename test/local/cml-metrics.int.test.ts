// A CML model file, unchanged (`cdsw.model_metrics`, `cdsw.track_metric`), served by the daemon:
// its answer carries a prediction uuid as CML's does, and its tracked metrics are stored in the
// metrics table of .slipway/state.db, tied to that uuid, the deployment and the replica.
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { eventually, localProject } from '../support/local-daemon.ts';

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

    // The gateway stores a call's metrics just after sending its answer, so they are polled for.
    const rows = await eventually('the metrics of both calls to be stored', async () => {
      const found = readMetricRows(path.join(p.root, '.slipway', 'state.db'));
      return found.length >= 4 ? found : undefined;
    });
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

function readMetricRows(file: string): MetricRow[] {
  const db = new DatabaseSync(file, { readOnly: true });
  try {
    return db.prepare('SELECT model, deployment_id, replica_id, uuid, name, value FROM metrics ORDER BY id').all() as MetricRow[];
  } finally {
    db.close();
  }
}

test.run();
