// A CML project deployed as CML users would: `slipway import cml --write`, validate, apply on the
// local backend, then both models called the CML way (the {accessKey, request} envelope, and
// `?accessKey=` in the URL), without an Authorization header since the AMP turns auth off. The
// models import `src` from the project root, open an artifact by a root-relative path, and are
// built by the root cdsw-build.sh from a requirements.txt naming what the interpreter already has.
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { slipwayAsync } from '../support/cli.ts';
import { cmlProjectFiles } from '../support/cml-project.ts';
import { localProject } from '../support/local-daemon.ts';

test('import, validate, apply and call both models the CML way', async () => {
  const p = await localProject(cmlProjectFiles());
  try {
    const imported = await p.cli('import', 'cml', '--write', 'models.yaml');
    assert.is(imported.status, 0, imported.stdout + imported.stderr);
    const written = fs.readFileSync(path.join(p.root, 'models.yaml'), 'utf8');
    p.fx.commitAll('slipway import cml');
    assert.is((await p.cli('validate')).status, 0);

    // The AMP requires WAREHOUSE_TOKEN without a default: models.yaml reads it at apply.
    const secret = 'wh-token-that-must-not-leak';
    assert.not.match(written, secret);
    const refused = await p.cli('apply', '--yes', '--port', String(p.port));
    assert.is(refused.status, 1, 'apply needs the required variable');
    assert.match(refused.stdout + refused.stderr, 'WAREHOUSE_TOKEN');
    const applied = await slipwayAsync(p.root, ['apply', '--yes', '--port', String(p.port)], { WAREHOUSE_TOKEN: secret });
    p.daemonFile();
    assert.is(applied.status, 0, applied.stdout + applied.stderr);
    assert.match(applied.stdout, /✓ churn-model-api-endpoint: create build #1/);
    assert.match(applied.stdout, /example 1: pass .*→ \{"churn":true,"score":0\.87\}/);
    assert.match(applied.stdout, /✓ price-estimator: create build #1/);
    assert.match(applied.stdout, 'Apply complete.');
    // Build output is not repeated off a terminal: each build's own log says what it ran.
    const buildLog = fs.readFileSync(path.join(p.root, '.slipway', 'builds', 'churn-model-api-endpoint', '1.log'), 'utf8');
    assert.match(buildLog, /running build script cdsw-build\.sh/);
    // The root script installs requirements.txt, as in CML: Slipway does not install it a second time.
    assert.match(buildLog, /build script cdsw-build\.sh installs requirements\.txt itself/);
    assert.not.match(buildLog, 'installing requirements.txt with pip');
    assert.not.match(buildLog, secret);
    assert.not.match(applied.stdout + applied.stderr, secret);

    const churnKey = p.accessKey('churn-model-api-endpoint');
    const envelope = await p.cml(churnKey, { tenure: 2, monthly: 80 });
    assert.is(envelope.status, 200, JSON.stringify(envelope.body));
    assert.equal(envelope.body.response, { churn: true, score: 0.87 });
    assert.match(envelope.body.ReplicaID, /^churn-model-api-endpoint-/);

    const priceKey = p.accessKey('price-estimator');
    const inUrl = await p.post(`/model?accessKey=${priceKey}`, JSON.stringify({ request: { sqft: 40 } }));
    assert.is(inUrl.status, 200, JSON.stringify(inUrl.body));
    // DEV_MODE was an unquoted False in the AMP: the model sees the text, as on CML.
    assert.equal(inUrl.body.response, { price: 100, currency: 'EUR', dev_mode: 'False' });
    const wrongKey = await p.post('/model?accessKey=not-a-key', JSON.stringify({ request: { sqft: 40 } }));
    assert.is(wrongKey.status, 404);

    // The project's training job, run as a CML job would run it, records what it tracks locally.
    const trained = await slipwayAsync(p.root, ['python', '--', 'scripts/train.py'], { WAREHOUSE_TOKEN: secret });
    assert.is(trained.status, 0, trained.stderr);
    assert.match(trained.stdout, 'trained');
    const [record] = fs.readdirSync(path.join(p.root, '.slipway', 'tracked'));
    const tracked = fs.readFileSync(path.join(p.root, '.slipway', 'tracked', record), 'utf8');
    assert.match(tracked, '"type":"metric","key":"bias","value":0.2');
    assert.match(tracked, '"type":"file","path":"artifacts/churn-weights.json"');
    // With the daemon running, `slipway python` points the SDK at its gateway.
    const client = await slipwayAsync(p.root, ['python', '--', '-c', `import cdsw, json; print(json.dumps(cdsw.call_model("${priceKey}", {"sqft": 2})))`], { WAREHOUSE_TOKEN: secret });
    assert.is(client.status, 0, client.stderr);
    assert.equal(JSON.parse(client.stdout).response, { price: 5, currency: 'EUR', dev_mode: 'False' });
  } finally {
    await p.cleanup();
  }
});

test.run();
