// `slipway diff --target` on a kubernetes target, end to end: `slipway apply --target` builds v1's
// image (buildah → loopback registry) and deploys it to the fake API server, whose pods podman
// runs; the cluster's metrics store (a real `slipway metrics-store` process behind the fake's
// service proxy) holds ten captured calls. After a commit that changes three answers, `slipway
// diff --target dev` builds the candidate image, runs it and the deployed image with podman, and
// reports exactly those three among the example, the replay set and the captured calls, without
// the redacted field the replay set carries. Support code as in test/ci/cluster-pr-diff.int.test.ts.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { slipwayAsync } from '../support/cli.ts';
import { BASE_IMAGE, containersAvailable, ensureBaseImage, leftoverTestContainers, removeBuiltImages, startRegistry, type LoopbackRegistry } from '../support/containers.ts';
import { startFakeKubeApiServer, writeKubeconfig, type FakeKubeApiServer } from '../support/fake-kube-apiserver.ts';
import { gitFixture, type GitFixture } from '../support/git-fixture.ts';
import { startMetricsStoreProcess, type MetricsStoreProcess } from '../support/metrics-store-process.ts';
import { podmanKubelet } from '../support/podman-kubelet.ts';

const available = containersAvailable('slipway diff --target');
const model = `target-diff-${process.pid}`;
const ns = 'models';
let repo: GitFixture;
let fake: FakeKubeApiServer;
let registry: LoopbackRegistry;
let store: MetricsStoreProcess;
let dir: string;
let kubeconfig: string;
const kubelet = podmanKubelet(() => fake);

const v1 = 'def predict(args):\n    return {"y": args["x"] * 2}\n';
// Differs on x = 3 (replay set), x = 105 and x = 107 (captured calls) only.
const v2 = 'def predict(args):\n    x = args["x"]\n    return {"y": x * 2 + (1 if x in (3, 105, 107) else 0)}\n';

test.before(async () => {
  if (!available) return;
  await ensureBaseImage();
  registry = await startRegistry();
  fake = await startFakeKubeApiServer({ kubelet });
  dir = mkdtempSync(path.join(tmpdir(), 'slipway-target-diff-'));
  repo = gitFixture();
  repo.write('models.yaml', `version: 1
project: demo
targets:
  dev:
    backend: kubernetes
    namespace: ${ns}
    registry: ${registry.address}/slipway
    insecureRegistry: true
models:
  - name: ${model}
    file: m/score.py
    function: predict
    replay: m/replay.jsonl
    capture: {sample: 0.5, redact: [/token]}
    build:
      baseImage: ${BASE_IMAGE}
    example:
      input: {"x": 1}
      output: {"y": 2}
`);
  repo.write('m/score.py', v1);
  repo.write('m/replay.jsonl', `${[0, 1, 2, 3, 4].map((x) => JSON.stringify({ request: { x, token: `secret-token-${x}` } })).join('\n')}\n`);
  repo.write('.gitignore', '.slipway/\n');
  repo.commitAll('v1');
  kubeconfig = writeKubeconfig(path.join(dir, 'kubeconfig'), fake);
  store = await startMetricsStoreProcess(fake, ns, path.join(dir, 'metrics.db'));
});

test.after(async () => {
  if (!available) return;
  await kubelet.stopAll();
  await store?.stop();
  await removeBuiltImages(registry.address, []).catch(() => undefined);
  await registry?.stop();
  await fake?.close();
  repo?.remove();
  rmSync(dir, { recursive: true, force: true });
});

test('`slipway diff --target` diffs the candidate image against the deployed one on example, replay set and captured calls', async () => {
  if (!available) return;
  const applied = await slipwayAsync(repo.root, ['apply', '--target', 'dev', '--kubeconfig', kubeconfig, '--yes'], {}, 600_000);
  assert.is(applied.status, 0, `${applied.stdout}\n${applied.stderr}`);
  // What the in-cluster gateways captured (redacted there), ten calls.
  const calls = Array.from({ length: 10 }, (_, i) => ({
    model, deploymentId: 1, build: 1, at: Date.now() - 60_000 + i, latencyMs: 1, status: 200, outcome: 'success',
    request: JSON.stringify({ x: 100 + i }), response: JSON.stringify({ value: { y: 2 * (100 + i) } }),
  }));
  const posted = await fetch(`${store.url}/captures`, { method: 'POST', headers: { authorization: `Bearer ${store.token}`, 'content-type': 'application/json' }, body: JSON.stringify({ calls, keep: {} }) });
  assert.is(posted.status, 200);

  repo.write('m/score.py', v2);
  repo.commitAll('v2');
  const diff = await slipwayAsync(repo.root, ['diff', model, '--target', 'dev', '--kubeconfig', kubeconfig, '--json'], {}, 600_000);
  assert.is(diff.status, 0, `${diff.stdout}\n${diff.stderr}`);
  const report = JSON.parse(diff.stdout) as { candidate: number; baseline: number; calls: number; changed: number; newErrors: number; examples: Array<{ source: string; input: unknown }> };
  assert.equal([report.candidate, report.baseline, report.calls, report.changed, report.newErrors], [2, 1, 16, 3, 0]);
  assert.equal(report.examples.map((e) => e.input), [{ x: 3 }, { x: 105 }, { x: 107 }]);
  assert.equal(report.examples.map((e) => e.source.replace(/ \S+$/, '')), ['m/replay.jsonl:4', 'captured', 'captured']);
  assert.not.match(diff.stdout, 'token');

  // Only the example and the replay set: the one change there, and the deployed build named.
  const text = await slipwayAsync(repo.root, ['diff', model, '--target', 'dev', '--kubeconfig', kubeconfig, '--sample', '6'], {}, 600_000);
  assert.is(text.status, 0, `${text.stdout}\n${text.stderr}`);
  assert.match(text.stdout, `${model}: build #2 against build #1 (deployed in namespace ${ns}) on 6 inputs: 1 answers changed`);
  assert.not.match(text.stdout, 'token');
  assert.equal(await leftoverTestContainers(model), [], 'both images ran in containers that are gone');
});

test.run();
