// The target registry: the models file's target picks the implementation, and both answer the
// same port. The kubernetes target runs against the fake API server; the local one on a temp repo.
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createApiKey, listApiKeys, revokeApiKey } from '../../src/keys/api-keys.ts';
import { loadDesired } from '../../src/apply/desired.ts';
import { openTarget, targetKind } from '../../src/target/registry.ts';
import type { Spec } from '../../src/spec/types.ts';
import { openWorkspace, type Workspace } from '../../src/workspace/workspace.ts';
import { startFakeKubeApiServer, writeKubeconfig, type FakeKubeApiServer } from '../support/fake-kube-apiserver.ts';
import { gitFixture, type GitFixture } from '../support/git-fixture.ts';

let repo: GitFixture;
let fake: FakeKubeApiServer;
let kubeconfig: string;
let ws: Workspace;
let spec: Spec;
const log = () => {};

test.before(async () => {
  fake = await startFakeKubeApiServer();
  repo = gitFixture();
  repo.write(
    'models.yaml',
    `version: 1
project: demo
targets:
  dev: {backend: kubernetes, namespace: models, registry: registry.example.com/ml}
  laptop: {backend: local}
models:
  - name: iris
    file: iris/predict.py
    function: predict
`,
  );
  repo.write('iris/predict.py', 'def predict(x):\n    return x\n');
  repo.commitAll('models');
  kubeconfig = path.join(repo.root, 'kubeconfig');
  writeKubeconfig(kubeconfig, fake);
  ws = await openWorkspace({ cwd: repo.root });
  const desired = await loadDesired(ws);
  if (!desired.ok) throw new Error(desired.message);
  spec = desired.spec;
});

test.after(async () => {
  await fake.close();
  repo.remove();
});

test('the models file says which kind a target is; no target is this machine', () => {
  assert.is(targetKind(spec, {}), 'local');
  assert.is(targetKind(spec, { target: 'laptop' }), 'local');
  assert.is(targetKind(spec, { target: 'dev' }), 'kubernetes');
  assert.is(targetKind(spec, { registry: 'registry.example.com/ml' }), 'kubernetes', '--registry stands in for a kubernetes target');
});

test('a kubernetes target: status, history and API keys from the namespace, through the port', async () => {
  const target = await openTarget({ target: 'dev', kubeconfig }, { ws, spec, log });
  assert.equal([target.kind, target.name], ['kubernetes', 'dev']);
  assert.is(target.advisory(spec), null);
  const status = await target.status();
  assert.is(status.text, 'namespace models\nno models deployed\n');
  assert.equal(status.json, { namespace: 'models', models: [] });
  assert.equal(await target.history('iris'), []);
  const created = await target.withApiKeys((records) => createApiKey(records, { name: 'sdk' }));
  const second = await target.withApiKeys((records) => createApiKey(records, { name: 'ops' }));
  assert.equal([created.id, second.id], [1, 2]);
  assert.ok(await target.withApiKeys((records) => revokeApiKey(records, created.id)));
  const listed = await target.withApiKeys((records) => listApiKeys(records));
  assert.equal(listed.map((k) => [k.id, k.name, k.status]), [[1, 'sdk', 'revoked'], [2, 'ops', 'active']]);
  const secret = fake.get('secrets', 'models', 'slipway-api-keys') as unknown as { data: Record<string, string> };
  const stored = Buffer.from(secret.data['keys.json'], 'base64').toString('utf8');
  assert.not.match(stored, created.key, 'the Secret holds hashes, never keys');
  await target.rotateAccessKey('iris').then(
    () => assert.unreachable('iris was never deployed there'),
    (error: Error) => assert.match(error.message, 'iris has no access key in namespace models'),
  );
});

test('the local target: the store in .slipway/, with a message for people before anything was applied', async () => {
  const target = await openTarget({ target: 'laptop' }, { ws, spec, log });
  assert.equal([target.kind, target.name], ['local', 'local']);
  await target.builds('iris').then(
    () => assert.unreachable('nothing was applied'),
    (error: Error) => assert.match(error.message, 'nothing applied yet in this repository'),
  );
  const created = await target.withApiKeys((records) => createApiKey(records, { name: 'ci' }));
  assert.equal((await target.withApiKeys((records) => listApiKeys(records))).map((k) => [k.id, k.name]), [[created.id, 'ci']]);
  await target.status().then(
    () => assert.unreachable('no daemon runs'),
    (error: Error) => assert.match(error.message, 'no Slipway daemon is running'),
  );
});

test.run();
