// `slipway prune --target` against the fake API server: each model keeps its newest records, the
// applied one and the builds it and the kept records run, and a big record goes with its parts.
import { createHash } from 'node:crypto';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { pruneCluster } from '../../src/backends/kubernetes/cluster-prune.ts';
import { inputs, keys, model, spec } from '../plan/factories.ts';
import { only, startCluster, step, type Cluster } from './cluster-harness.ts';

const ns = 'prune';
const version = (n: number) => inputs('iris', { 'models/iris/predict.py': `blob-${n}` });
/** Enough files (blob ids barely compress) for the record to need part ConfigMaps. */
const huge = inputs('iris', Object.fromEntries(Array.from({ length: 40_000 }, (_, i) => [`data/f${i}.json`, createHash('sha1').update(String(i)).digest('hex')])));
const iris = model('iris');
let cluster: Cluster;

const configMaps = () => cluster.fake.list('configmaps', ns).map((m) => m.metadata.name).filter((n) => n.startsWith('slipway-iris-')).sort();
const prune = (keep: number, dryRun = false) =>
  cluster.backend.withLock(async () => pruneCluster(cluster.backend.api, await cluster.backend.readState(), { keep, minAgeMs: 0, dryRun }));

test.before(async () => {
  cluster = await startCluster(ns);
  // Builds #1 (huge, in parts), #2, #3, #4, then a rollback to #1: deployments 1..5.
  await step(cluster.backend, spec(iris), keys(['iris', huge]));
  for (const n of [2, 3, 4]) await step(cluster.backend, spec(iris), keys(['iris', version(n)]));
  assert.is(only(await step(cluster.backend, spec(iris), keys(['iris', huge]))).action, 'rollback');
});
test.after(async () => {
  await cluster.fake.close();
});

test('a dry run lists the records it would remove and removes none', async () => {
  const before = configMaps();
  assert.ok(before.includes('slipway-iris-b1-f0'), 'build #1 keeps its file list in parts');
  const report = await prune(2, true);
  assert.equal(report, { dryRun: true, builds: [{ model: 'iris', number: 2 }], deployments: [1, 2, 3].map((id) => ({ model: 'iris', id })) });
  assert.equal(configMaps(), before);
});

test('keep 2: the newest two deployments, the builds they run and the newest two builds stay', async () => {
  const report = await prune(2);
  assert.equal(report.builds, [{ model: 'iris', number: 2 }]);
  assert.equal(report.deployments.map((d) => d.id), [1, 2, 3]);
  const left = configMaps();
  for (const name of ['slipway-iris-d4', 'slipway-iris-d5', 'slipway-iris-b1', 'slipway-iris-b3', 'slipway-iris-b4']) assert.ok(left.includes(name), name);
  for (const name of ['slipway-iris-d1', 'slipway-iris-d3', 'slipway-iris-b2']) assert.not.ok(left.includes(name), name);
  // The plan still reads the applied build whole, and finds nothing to do.
  assert.is(only(await step(cluster.backend, spec(iris), keys(['iris', huge]))).action, 'noop');
});

test('keep 1 removes the rolled-back-from build; a big record goes with its parts', async () => {
  await step(cluster.backend, spec(iris), keys(['iris', version(5)]));
  const report = await prune(1);
  assert.equal(report.builds.map((b) => b.number), [1, 3, 4]);
  assert.equal(report.deployments.map((d) => d.id), [4, 5]);
  assert.equal(configMaps(), ['slipway-iris-b5', 'slipway-iris-d6']);
});

test.run();
