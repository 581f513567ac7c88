// applyPlan with in-memory implementations of its ports (a Backend that keeps deployments in a map,
// a Builder that builds by name, test calls answered from a table) and the real store in memory:
// what each outcome says, which phase failed, and that one model's failure never stops another.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { applyPlan, type ApplyDeps } from '../../src/apply/apply.ts';
import type { CallModel } from '../../src/apply/test-calls.ts';
import { RolloutFailure, type Backend } from '../../src/backends/backend.ts';
import type { Builder, BuildRequest } from '../../src/build/builder.ts';
import { plan } from '../../src/plan/plan.ts';
import type { Observed } from '../../src/plan/types.ts';
import { sqliteBuildLedger } from '../../src/apply/build-ledger.ts';
import { openStore } from '../../src/store/database.ts';
import type { ModelSpec } from '../../src/spec/types.ts';
import { inputs, keys, model, observed, spec } from '../plan/factories.ts';

/** A Backend whose deployments live in a map; `failing` models fail as told. */
function memoryBackend(failing: Record<string, Error> = {}) {
  const deployed = new Map<string, { id: number; build: number }>();
  const deleted: string[] = [];
  let nextId = 1;
  const backend: Backend = {
    name: 'memory',
    observe: async (): Promise<Observed> => observed(),
    async deploy(change, build) {
      const failure = failing[change.model];
      if (failure) throw failure;
      const id = nextId++;
      deployed.set(change.model, { id, build: build.number });
      return { deploymentId: id };
    },
    stop: async () => {},
    delete: async (name) => void deleted.push(name),
  };
  return { backend, deployed, deleted };
}

/** A Builder that succeeds except for `broken` models; it remembers what it was asked to build. */
function memoryBuilder(broken: string[] = []) {
  const asked: BuildRequest[] = [];
  const builder: Builder = {
    name: 'memory',
    async build(req) {
      asked.push(req);
      if (broken.includes(req.model.name)) return { ok: false, logPath: '', errorTail: 'pip: no such package', message: 'requirements install failed (pip exited 1)' };
      return { ok: true, artifact: `mem://${req.model.name}/${req.number}`, logPath: '' };
    },
  };
  return { builder, asked };
}

const withExample = (m: ModelSpec, output: unknown): ModelSpec => ({ ...m, examples: [{ input: { x: 1 }, output }] });
/** Every model answers 2. */
const callModel: CallModel = async () => ({ ok: true, response: 2 });

function deps(over: Partial<ApplyDeps> & Pick<ApplyDeps, 'builder' | 'backend' | 'keys'>): ApplyDeps {
  return { root: '/repo', ledger: sqliteBuildLedger(openStore(':memory:')), gitCommit: 'c0ffee', log: () => {}, callModel, ...over };
}

const a = inputs('a');
const b = inputs('b');
const c = inputs('c');

test('each model is built, deployed and called; the outcomes say so and the store records the builds', async () => {
  const k = keys(['a', a], ['b', b]);
  const p = plan(spec(withExample(model('a'), 2), withExample(model('b'), 2)), k, observed());
  const { backend, deployed } = memoryBackend();
  const { builder, asked } = memoryBuilder();
  const d = deps({ builder, backend, keys: k });
  const report = await applyPlan(p, d);
  assert.is(report.ok, true);
  assert.equal(report.outcomes.map((o) => [o.model, o.action, o.ok, o.failedIn, o.build, o.deploymentId, o.tests.map((t) => t.pass)]), [
    ['a', 'create', true, null, { number: 1, key: k.a.key, reused: false }, 1, [true]],
    ['b', 'create', true, null, { number: 1, key: k.b.key, reused: false }, 2, [true]],
  ]);
  assert.equal(asked.map((r) => [r.model.name, r.number]), [['a', 1], ['b', 1]]);
  assert.equal([...deployed.keys()], ['a', 'b']);
  assert.equal((await d.ledger.list('a')).map((x) => [x.number, x.status, x.artifact]), [[1, 'succeeded', 'mem://a/1']]);
});

test('a failed build, a failed rollout, a failed deploy and failed examples are told apart; the others still apply', async () => {
  const k = keys(['a', a], ['b', b], ['c', c], ['d', inputs('d')]);
  const p = plan(spec(model('a'), model('b'), model('c'), withExample(model('d'), 3)), k, observed());
  const { backend, deployed } = memoryBackend({ b: new RolloutFailure('replicas of b never became ready'), c: new Error('fromEnv variables not set: TOKEN') });
  const { builder } = memoryBuilder(['a']);
  const d = deps({ builder, backend, keys: k });
  const report = await applyPlan(p, d);
  assert.is(report.ok, false);
  assert.equal(report.outcomes.map((o) => [o.model, o.ok, o.failedIn, o.error]), [
    ['a', false, 'build', 'build #1 failed: requirements install failed (pip exited 1)'],
    ['b', false, 'rollout', 'replicas of b never became ready'],
    ['c', false, 'deploy', 'fromEnv variables not set: TOKEN'],
    ['d', false, 'test', null],
  ]);
  assert.is(report.outcomes[0].errorTail, 'pip: no such package');
  assert.equal((await d.ledger.list('a')).map((x) => x.status), ['failed']);
  assert.equal((await d.ledger.list('b')).map((x) => x.status), ['succeeded'], "b's build succeeded before its rollout failed");
  assert.equal([...deployed.keys()], ['d'], 'only d was deployed; its examples then failed');
});

test('a cancelled apply starts nothing and says so for every model', async () => {
  const k = keys(['a', a], ['b', b]);
  const p = plan(spec(model('a'), model('b')), k, observed());
  const { backend, deployed } = memoryBackend();
  const { builder, asked } = memoryBuilder();
  const controller = new AbortController();
  controller.abort(new Error('a newer apply superseded this one'));
  const report = await applyPlan(p, deps({ builder, backend, keys: k, signal: controller.signal }));
  assert.equal(report.outcomes.map((o) => [o.model, o.ok, o.cancelled, o.failedIn, o.error]), [
    ['a', false, true, 'build', 'cancelled: a newer apply superseded this one'],
    ['b', false, true, 'build', 'cancelled: a newer apply superseded this one'],
  ]);
  assert.equal([asked.length, deployed.size], [0, 0]);
});

test('a model no longer declared is deleted, with nothing built', async () => {
  const { backend, deleted } = memoryBackend();
  const { builder, asked } = memoryBuilder();
  const gone: Observed = { models: [{ name: 'old', builds: [], deployment: null, deleted: false, live: null }] };
  const p = plan(spec(), keys(), { ...gone, models: gone.models.map((m) => ({ ...m, deployment: { id: 4, build: 1, serving: model('old').serving, servingHash: 'h', state: 'running' } })) });
  const report = await applyPlan(p, deps({ builder, backend, keys: keys() }));
  assert.equal(report.outcomes.map((o) => [o.model, o.action, o.ok]), [['old', 'delete', true]]);
  assert.equal([deleted, asked.length], [['old'], 0]);
});

test.run();
