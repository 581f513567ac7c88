// A build of a large project lists tens of thousands of files with their blob ids: more than the
// 1 MiB a ConfigMap may hold, which the fake API server enforces as a real one does. The record
// keeps its file list in part ConfigMaps; the ledger, observe and the plan read it back whole.
import { createHash } from 'node:crypto';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { V1ConfigMap } from '@kubernetes/client-node';
import { clusterBuildLedger } from '../../src/backends/kubernetes/cluster-build-ledger.ts';
import { buildRecordConfigMap } from '../../src/backends/kubernetes/records.ts';
import { PART_BYTES } from '../../src/backends/kubernetes/build-record-parts.ts';
import { KubeApiError } from '../../src/backends/kubernetes/kube-api.ts';
import { MAX_DATA_BYTES } from '../support/fake-kube-apiserver-validation.ts';
import { inputs, keys, model, spec } from '../plan/factories.ts';
import { only, startCluster, step, type Cluster } from './cluster-harness.ts';

const ns = 'big-records';
const FILES = 60_000;

/** `count` files with blob ids as git makes them (40 hex digits, which barely compress). */
function manyFiles(count: number, changed = -1): Record<string, string> {
  const files: Record<string, string> = {};
  for (let i = 0; i < count; i++) {
    files[`data/shard-${Math.floor(i / 1000)}/part-${i}.json`] = createHash('sha1').update(`${i}${i === changed ? '-v2' : ''}`).digest('hex');
  }
  return files;
}

const big = inputs('corpus', manyFiles(FILES));
const bigChanged = inputs('corpus', manyFiles(FILES, 4321));
const corpus = model('corpus');
let cluster: Cluster;

test.before(async () => {
  cluster = await startCluster(ns);
});
test.after(async () => {
  await cluster.fake.close();
});

test('one ConfigMap cannot hold the record: the fake refuses it as a real API server does', async () => {
  const record = { model: 'corpus', number: 99, key: 'k', inputs: big, artifact: null, digest: null, gitCommit: null, createdAt: new Date().toISOString() };
  const map = buildRecordConfigMap(ns, record);
  assert.ok(Buffer.byteLength(map.data!['build.json']) > MAX_DATA_BYTES, 'the test record is over 1 MiB');
  try {
    await cluster.backend.api.create(map);
    assert.unreachable('created');
  } catch (error) {
    assert.instance(error, KubeApiError);
    assert.is((error as KubeApiError).status, 422);
  }
});

test('the ledger records a build of 60,000 files in parts and reads it back whole', async () => {
  const ledger = clusterBuildLedger(cluster.backend.api);
  const reserved = await ledger.reserve('corpus', { key: 'key-big', inputs: big, gitCommit: 'c1' });
  const finished = await ledger.finish('corpus', reserved.number, { status: 'succeeded', artifact: 'registry.test/ml/corpus:key-big', logPath: null, digest: null });
  assert.equal(finished.inputs, big);
  assert.equal((await ledger.get('corpus', reserved.number))!.inputs, big);
  assert.equal((await ledger.list('corpus'))[0]!.inputs, big);
  assert.equal((await ledger.list('corpus')).map((b) => [b.number, b.status, b.inputs.files.length]), [[reserved.number, 'succeeded', FILES]]);

  const record = cluster.fake.get('configmaps', ns, `slipway-corpus-b${reserved.number}`) as V1ConfigMap;
  assert.is(record.immutable, true);
  const stored = JSON.parse(record.data!['build.json']);
  assert.equal(stored.inputs.files, []);
  assert.is(stored.storedFiles.count, FILES);
  assert.ok(stored.storedFiles.parts >= 2, `${stored.storedFiles.parts} parts`);
  for (let i = 0; i < stored.storedFiles.parts; i++) {
    const part = cluster.fake.get('configmaps', ns, `slipway-corpus-b${reserved.number}-f${i}`) as V1ConfigMap;
    assert.is(part.immutable, true);
    assert.ok(part.binaryData!['files.json.gz'].length <= PART_BYTES);
  }
});

test('a deploy records its build in parts; the plan names the one file that changed among 60,000', async () => {
  const first = await step(cluster.backend, spec(corpus), keys(['corpus', big]));
  assert.is(only(first).action, 'create');
  const [seen] = (await cluster.backend.observe()).models;
  assert.is(seen.builds.at(-1)!.inputs.files.length, FILES);
  const next = await step(cluster.backend, spec(corpus), keys(['corpus', bigChanged]));
  assert.is(only(next).action, 'rebuild');
  assert.equal(only(next).reasons, ['data/shard-4/part-4321.json modified']);
});

test('a record whose part is missing is not taken for a build with no files', async () => {
  const ledger = clusterBuildLedger(cluster.backend.api);
  const reserved = await ledger.reserve('corpus', { key: 'key-torn', inputs: big, gitCommit: 'c2' });
  await cluster.backend.withLock(() => cluster.backend.api.remove({ apiVersion: 'v1', kind: 'ConfigMap', name: `slipway-corpus-b${reserved.number}-f1` }));
  assert.is(await ledger.get('corpus', reserved.number), null);
  assert.not.ok((await cluster.backend.observe()).models[0].builds.some((b) => b.number === reserved.number));
});

test.run();
