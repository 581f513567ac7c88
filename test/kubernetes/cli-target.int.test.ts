// `slipway plan|test|apply --target` end to end: the real CLI builds the image with buildah, pushes
// it to a loopback registry, calls its example in a podman container, deploys it to the fake API
// server, whose pods podman runs from the registry, and calls the example on them through the pod
// proxy before traffic moves; a second plan finds nothing to do.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { slipwayAsync, type CliRun } from '../support/cli.ts';
import { parseOutputs } from '../ci/ci-harness.ts';
import { BASE_IMAGE, containersAvailable, ensureBaseImage, removeBuiltImages, run, startRegistry, type LoopbackRegistry } from '../support/containers.ts';
import { startFakeKubeApiServer, writeKubeconfig, type FakeKubeApiServer } from '../support/fake-kube-apiserver.ts';
import { gitFixture, type GitFixture } from '../support/git-fixture.ts';
import { podmanKubelet } from '../support/podman-kubelet.ts';
import { DIGEST_KEY_SECRET } from '../../src/backends/kubernetes/names.ts';

const available = containersAvailable('kubernetes CLI target');
const model = `cli-target-${process.pid}`;
let repo: GitFixture;
let fake: FakeKubeApiServer;
let registry: LoopbackRegistry;
let kubeconfig: string;
const buildLogs: string[] = [];
const kubelet = podmanKubelet(() => fake);

test.before(async () => {
  if (!available) return;
  // The secret as the CI system would export it; later commands override it with a new value.
  process.env.MODEL_TOKEN = 'token-1';
  await ensureBaseImage();
  registry = await startRegistry();
  fake = await startFakeKubeApiServer({ kubelet });
  repo = gitFixture();
  repo.write(
    'models.yaml',
    `version: 1
project: demo
targets:
  dev:
    backend: kubernetes
    namespace: models
    registry: ${registry.address}/slipway
    insecureRegistry: true
models:
  - name: ${model}
    file: adder/add.py
    function: add
    replicas: 2
    env:
      MODEL_TOKEN: {fromEnv: MODEL_TOKEN}
    build:
      baseImage: ${BASE_IMAGE}
    example:
      input: {"a": 3, "b": 5}
      output: 8
`,
  );
  repo.write('adder/add.py', 'def add(args):\n    return args["a"] + args["b"]\n');
  repo.write('.gitignore', '.slipway/\nkubeconfig\n');
  repo.commitAll('a model');
  kubeconfig = path.join(repo.root, 'kubeconfig');
  writeKubeconfig(kubeconfig, fake);
});

/** `slipway ci` against the target with its GITHUB_OUTPUT read back. */
async function ciOutputs(args: string[]): Promise<{ run: CliRun; outputs: Record<string, string> }> {
  const output = path.join(mkdtempSync(path.join(tmpdir(), 'slipway-outputs-')), 'output');
  writeFileSync(output, '');
  const run = await slipwayAsync(repo.root, ['ci', ...args], { KUBECONFIG: kubeconfig, GITHUB_EVENT_NAME: '', GITHUB_EVENT_PATH: '', GITHUB_OUTPUT: output }, 600_000);
  const outputs = parseOutputs(readFileSync(output, 'utf8'));
  rmSync(path.dirname(output), { recursive: true, force: true });
  return { run, outputs };
}

test.after(async () => {
  if (!available) return;
  await removeBuiltImages(registry.address, buildLogs).catch(() => undefined);
  await fake.close();
  await kubelet.stopAll();
  await registry.stop();
  repo.remove();
});

test('plan, test (podman), apply (buildah → registry → cluster) with --target, then nothing left to do', async () => {
  if (!available) return;
  const target = ['--target', 'dev', '--kubeconfig', kubeconfig];
  const first = await slipwayAsync(repo.root, ['plan', ...target, '--json', '--detailed-exitcode']);
  assert.is(first.status, 2, first.stderr);
  const planned = JSON.parse(first.stdout).changes;
  assert.equal(planned.map((c: { action: string }) => c.action), ['create']);
  assert.is(fake.get('secrets', 'models', DIGEST_KEY_SECRET), null, 'a plan makes no digest key');

  // The pull-request check for a cluster: build the image, run it with podman, call the example.
  const tested = await slipwayAsync(repo.root, ['test', ...target], {}, 600_000);
  buildLogs.push(tested.stderr);
  assert.is(tested.status, 0, `${tested.stdout}\n${tested.stderr}`);
  assert.match(tested.stdout, `✓ ${model}: create build #1 built`);
  assert.match(tested.stdout, 'example 1: pass');
  assert.ok(!fake.requests.some((r) => r.method === 'PATCH' && r.path.includes('/deployments/')), 'test deploys nothing');

  // The same check through the CI runner, with the target as its backend (no GitHub token: nothing posted).
  const ci = await slipwayAsync(repo.root, ['ci', '--command', 'test', '--backend', 'dev'], { KUBECONFIG: kubeconfig, GITHUB_EVENT_NAME: '', GITHUB_EVENT_PATH: '' }, 600_000);
  buildLogs.push(ci.stderr);
  assert.is(ci.status, 0, `${ci.stdout}\n${ci.stderr}`);
  assert.match(ci.stdout + ci.stderr, 'pass');

  // Build #1 is the check's candidate image, recorded in the cluster's ledger; the apply never
  // deploys a candidate, so the plan (CLI and CI alike) builds #2, and says why.
  const candidateReason = 'build #1 was a pull-request candidate, built again for the registry';
  const merged = await slipwayAsync(repo.root, ['plan', ...target, '--json']);
  assert.is(merged.status, 0, merged.stderr);
  const [mergedChange] = JSON.parse(merged.stdout).changes;
  assert.equal(mergedChange.build, { number: 2, key: mergedChange.build.key, reused: false });
  assert.ok(mergedChange.reasons.includes(candidateReason), mergedChange.reasons.join('; '));
  const ciPlan = await ciOutputs(['--command', 'plan', '--backend', 'dev']);
  assert.is(ciPlan.run.status, 0, ciPlan.run.stderr);
  assert.equal(JSON.parse(ciPlan.outputs.plan).changes[0].build, mergedChange.build);

  // Someone with push rights to the production repository (a pull-request job given too broad
  // credentials) plants the candidate under the key's tag. Its labels are right, but no build of
  // this target recorded its digest: the apply builds over it instead of skipping the build.
  const key = mergedChange.build.key as string;
  const planted = `${registry.address}/slipway/${model}:${key}`;
  const copied = await run('skopeo', ['copy', '--src-tls-verify=false', '--dest-tls-verify=false', `docker://${registry.address}/slipway-candidates/${model}:${key}`, `docker://${planted}`]);
  assert.is(copied.code, 0, copied.stderr);
  const plantedDigest = JSON.parse((await run('skopeo', ['inspect', '--tls-verify=false', `docker://${planted}`])).stdout).Digest as string;

  // The apply confirms that very plan (its fingerprint), then builds #2 as planned.
  const ciApply = await ciOutputs(['--command', 'apply', '--backend', 'dev', '--plan-fingerprint', ciPlan.outputs['plan-fingerprint']]);
  const applied = ciApply.run;
  buildLogs.push(applied.stderr);
  assert.is(applied.status, 0, `${applied.stdout}\n${applied.stderr}`);
  assert.is(ciApply.outputs['plan-fingerprint'], ciPlan.outputs['plan-fingerprint']);
  assert.equal(JSON.parse(ciApply.outputs.plan).changes[0].build, mergedChange.build);
  assert.match(applied.stdout + applied.stderr, 'build #1 has this key but its image was pushed by a pull-request check');
  assert.match(applied.stdout + applied.stderr, `${model}: building #2`);
  assert.match(applied.stdout + applied.stderr, `the registry has ${planted} (${plantedDigest}) but no build this target applied recorded its digest`);
  assert.not.match(applied.stdout + applied.stderr, 'skipped: the registry already has');

  const deployment = fake.requests.find(
    (r) => r.method === 'PATCH' && r.path === `/apis/apps/v1/namespaces/models/deployments/slipway-${model}-d1`,
  );
  // The example was called on a new pod through the API server before traffic moved to it.
  assert.ok(fake.requests.some((r) => r.method === 'POST' && r.path.startsWith(`/api/v1/namespaces/models/pods/slipway-${model}-d1-`) && r.path.endsWith(':8080/proxy/invoke')));
  assert.is(fake.get('services', 'models', `slipway-${model}`)!.metadata.annotations!['slipway.dev/serving-deployment-id'], '1', 'it passed, and traffic moved');
  assert.ok(deployment, 'the Deployment was server-side applied');
  assert.is(deployment.contentType, 'application/apply-patch+yaml');
  assert.is(deployment.query.fieldManager, 'slipway');
  const body = deployment.body as { spec: { template: { spec: { containers: Array<{ image: string }> } } } };
  const image = body.spec.template.spec.containers[0].image;
  assert.ok(image.startsWith(`${registry.address}/slipway/${model}`), `image ${image} comes from the registry`);
  // The pull-request check pushed to the candidates repository; the apply built and pushed its own.
  assert.match(tested.stdout + tested.stderr, `${registry.address}/slipway-candidates/${model}`);
  assert.not.match(image, 'candidates');
  assert.not.match(image, plantedDigest);
  // The base image was pinned by the digest the plan resolved (and which is in the build key).
  const containerfile = readFileSync(path.join(repo.root, '.slipway', 'builds', model, '2.Containerfile'), 'utf8');
  assert.match(containerfile, new RegExp(`^FROM ${BASE_IMAGE}@sha256:[0-9a-f]{64}$`, 'm'));

  const again = await slipwayAsync(repo.root, ['plan', ...target, '--json', '--detailed-exitcode']);
  assert.is(again.status, 0, again.stdout + again.stderr);
  assert.equal(JSON.parse(again.stdout).changes.map((c: { action: string }) => c.action), ['noop']);

  // A scheduled run against the cluster finds nothing to repair; with replicas changed by hand it repairs them.
  const quiet = await slipwayAsync(repo.root, ['ci', '--command', 'reconcile', '--backend', 'dev', '--fail-on-drift'], { KUBECONFIG: kubeconfig, GITHUB_EVENT_NAME: '', GITHUB_EVENT_PATH: '' });
  assert.is(quiet.status, 0, `${quiet.stdout}\n${quiet.stderr}`);

  // The secret's value changes in the CI system. A plan on any machine (the digest key is the
  // cluster's, not this machine's) sees it without showing it; apply reconfigures and builds nothing.
  const rotated = { MODEL_TOKEN: 'token-2' };
  const secretPlan = await slipwayAsync(repo.root, ['plan', ...target, '--json'], rotated);
  assert.is(secretPlan.status, 0, secretPlan.stderr);
  const secretChanges = JSON.parse(secretPlan.stdout).changes as Array<{ action: string; reasons: string[] }>;
  assert.equal(secretChanges.map((c) => [c.action, c.reasons]), [['reconfigure', ['env MODEL_TOKEN changed (secret)']]]);
  const reapplied = await slipwayAsync(repo.root, ['apply', ...target, '--yes'], rotated, 600_000);
  assert.is(reapplied.status, 0, `${reapplied.stdout}\n${reapplied.stderr}`);
  assert.match(reapplied.stdout, `✓ ${model}: reconfigure`);
  assert.not.match(reapplied.stderr, 'buildah bud', 'nothing built');
  for (const output of [secretPlan.stdout, secretPlan.stderr, reapplied.stdout, reapplied.stderr]) assert.not.match(output, 'token-');
  // The env Secret the live pods read (immutable, one per content).
  const liveSecret = () => {
    const id = fake.get('services', 'models', `slipway-${model}`)!.metadata.annotations!['slipway.dev/serving-deployment-id'];
    const d = fake.get('deployments', 'models', `slipway-${model}-d${id}`) as unknown as { spec: { template: { spec: { containers: { env: { name: string; valueFrom?: { secretKeyRef: { name: string } } }[] }[] } } } };
    const name = d.spec.template.spec.containers[0].env.find((e) => e.name === 'MODEL_TOKEN')!.valueFrom!.secretKeyRef.name;
    return fake.get('secrets', 'models', name) as unknown as { data: Record<string, string> };
  };
  const envSecret = liveSecret();
  assert.is(Buffer.from(envSecret.data.MODEL_TOKEN, 'base64').toString(), 'token-2');
  const settled = await slipwayAsync(repo.root, ['plan', ...target, '--json', '--detailed-exitcode'], rotated);
  assert.is(settled.status, 0, settled.stdout + settled.stderr);

  // The CI runner's scheduled run digests with the cluster's key too, and puts a newer value in.
  const ciRun = await slipwayAsync(repo.root, ['ci', '--command', 'reconcile', '--backend', 'dev'], { MODEL_TOKEN: 'token-3', KUBECONFIG: kubeconfig, GITHUB_EVENT_NAME: '', GITHUB_EVENT_PATH: '' }, 600_000);
  assert.is(ciRun.status, 0, `${ciRun.stdout}\n${ciRun.stderr}`);
  assert.not.match(ciRun.stdout + ciRun.stderr, 'token-');
  const afterCi = liveSecret();
  assert.is(Buffer.from(afterCi.data.MODEL_TOKEN, 'base64').toString(), 'token-3');
});

test.run();
