// One test suite for every metrics store implementation (SQLite, PostgreSQL): each test file
// calls `metricsStoreSuite` with a way to open a fresh, empty store.
import type { AddressInfo } from 'node:net';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { MetricsBackend } from '../../src/metrics-store/metrics-backend.ts';
import { createMetricsStoreServer } from '../../src/metrics-store/metrics-store-server.ts';
import type { TechWrite } from '../../src/metrics-store/tech-rows.ts';

export type OpenStore = () => Promise<{ backend: MetricsBackend; cleanup: () => Promise<void> }>;

const T0 = Date.UTC(2026, 11, 1, 12);

/** `teardown` runs once the suite is done (stops a server the test started). */
export function metricsStoreSuite(name: string, open: OpenStore, teardown?: () => void | Promise<void>): void {
  const s = suite(`metrics store (${name})`);
  if (teardown) s.after(async () => teardown());

  s('values of any JSON type round-trip, oldest first, in an inclusive time range, by model and deployment', async () => {
    const { backend, cleanup } = await open();
    try {
      await backend.record({ model: 'iris', deploymentId: 3, replicaId: 'iris-3-1', uuid: 'u1', metrics: { score: 0.5, label: 'big', extra: { k: [1, null] }, none: null } }, T0 + 1000);
      await backend.record({ model: 'iris', deploymentId: 4, uuid: 'u2', metrics: { score: 0.75 } }, T0 + 2000);
      await backend.record({ model: 'other', metrics: { score: 1 } }, T0 + 1500);
      const all = await backend.between('iris', { fromMs: T0 + 1000, toMs: T0 + 2000 });
      assert.equal(all.map((m) => [m.name, m.value, m.uuid, m.deploymentId, m.atMs]), [
        ['score', 0.5, 'u1', 3, T0 + 1000], ['label', 'big', 'u1', 3, T0 + 1000], ['extra', { k: [1, null] }, 'u1', 3, T0 + 1000],
        ['none', null, 'u1', 3, T0 + 1000], ['score', 0.75, 'u2', 4, T0 + 2000],
      ]);
      assert.is(all[0]!.replicaId, 'iris-3-1');
      assert.equal((await backend.between('iris', { fromMs: T0 + 1001, toMs: T0 + 5000 })).map((m) => m.value), [0.75]);
      assert.equal((await backend.between('iris', { fromMs: 0, toMs: T0 + 5000, deploymentId: 3 })).length, 4);
      assert.equal(await backend.between('nobody', { fromMs: 0, toMs: T0 + 5000 }), []);
    } finally {
      await cleanup();
    }
  });

  s('a prediction belongs to the model and deployment that first tracked it', async () => {
    const { backend, cleanup } = await open();
    try {
      await backend.record({ model: 'iris', deploymentId: 7, uuid: 'p-1', metrics: { x: 1 } }, T0);
      assert.equal(await backend.predictionOwner('p-1'), { model: 'iris', deploymentId: 7 });
      assert.is(await backend.predictionOwner('p-unknown'), null);
    } finally {
      await cleanup();
    }
  });

  s('over HTTP: ingest from a gateway, track_delayed_metrics and track_aggregate_metrics, read_metrics in CML shape; the token is required', async () => {
    const { backend, cleanup } = await open();
    let clock = T0;
    const server = createMetricsStoreServer({ backend, token: 'store-token', now: () => clock });
    server.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const call = (method: string, path: string, body?: unknown, token = 'store-token') =>
      fetch(`${base}${path}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    try {
      assert.is((await call('POST', '/ingest', { model: 'iris', metrics: { a: 1 } }, 'wrong')).status, 401);
      // Over the body limit: 413 in the gateway's error shape, not a reset connection.
      const big = await call('POST', '/ingest', { model: 'iris', metrics: { blob: 'x'.repeat(2 * 1024 * 1024) } });
      assert.is(big.status, 413);
      assert.is(((await big.json()) as { errorCode: string }).errorCode, 'request.too_large');
      assert.is((await call('POST', '/ingest', { model: 'iris', deploymentId: 5, replicaId: 'r1', uuid: 'pred-1', metrics: { input: 5.4 } })).status, 200);
      clock = T0 + 60_000;
      assert.is((await call('POST', '/api/v1/metrics', { type: 'delayed', predictionUuid: 'pred-1', metrics: { actual: 1.9 } })).status, 200);
      assert.is((await call('POST', '/api/v1/metrics', { type: 'delayed', predictionUuid: 'nope', metrics: { actual: 1 } })).status, 404);
      assert.is((await call('POST', '/api/v1/metrics', { type: 'aggregate', modelDeploymentCrn: 'crn:slipway:model/iris/deployment/5', metrics: { accuracy: 0.93 } })).status, 200);
      assert.is((await call('POST', '/api/v1/metrics', { type: 'aggregate', modelDeploymentCrn: 'nonsense', metrics: {} })).status, 400);
      const read = await call('GET', `/api/v1/metrics?modelCrn=crn:slipway:model/iris&startTimestampMs=0&endTimestampMs=${T0 + 120_000}`);
      const body = (await read.json()) as { metrics: Array<Record<string, unknown>> };
      assert.equal(body.metrics, [
        { modelDeploymentCrn: 'crn:slipway:model/iris/deployment/5', modelBuildCrn: null, modelCrn: 'crn:slipway:model/iris', predictionUuid: 'pred-1', startTimeStampMs: T0, endTimeStampMs: T0, metrics: { input: 5.4, actual: 1.9 } },
        { modelDeploymentCrn: 'crn:slipway:model/iris/deployment/5', modelBuildCrn: null, modelCrn: 'crn:slipway:model/iris', predictionUuid: null, startTimeStampMs: T0 + 60_000, endTimeStampMs: T0 + 60_000, metrics: { accuracy: 0.93 } },
      ]);
      const early = (await (await call('GET', `/api/v1/metrics?modelDeploymentCrn=crn:slipway:model/iris/deployment/5&startTimestampMs=0&endTimestampMs=${T0}`)).json()) as { metrics: unknown[] };
      assert.is(early.metrics.length, 1, 'only what was tracked by then');
    } finally {
      server.close();
      await cleanup();
    }
  });

  s('technical samples fold into 10 s, 1 min and 1 h rows: counters add, CPU and memory average, percentiles of the window', async () => {
    const { backend, cleanup } = await open();
    try {
      const at = T0 + 5_000;
      await backend.writeTech(at, [techWrite({ calls: 3, success: 3, requestBytes: 30, cpu: 0.5, rss: 100, p95: 12 }), techWrite({ replica: 'r1', calls: 3, success: 3, cpu: 0.5, rss: 100 })]);
      await backend.writeTech(at + 10_000, [techWrite({ calls: 2, success: 1, failure: 1, requestBytes: 20, cpu: 1.5, rss: 300, p95: 40 })]);
      const tens = await backend.readTech({ model: 'iris', step: 10, fromMs: 0 });
      assert.equal(tens.map((r) => [r.at, r.calls, r.samples, r.p95]), [[T0, 3, 1, 12], [T0 + 10_000, 2, 1, 40]]);
      const [minute] = await backend.readTech({ model: 'iris', step: 60, fromMs: 0 });
      assert.equal(
        [minute!.at, minute!.samples, minute!.calls, minute!.success, minute!.failure, minute!.requestBytes, minute!.cpu, minute!.rss, minute!.p95],
        [T0, 2, 5, 4, 1, 50, 1, 200, 40],
      );
      assert.is((await backend.readTech({ model: 'iris', step: 3600, fromMs: 0 }))[0]!.calls, 5);
      assert.equal((await backend.readTech({ model: 'iris', replica: 'r1', step: 60, fromMs: 0 })).map((r) => r.calls), [3], "a replica's rows apart from the totals");
      assert.equal(await backend.readTech({ model: 'iris', step: 10, fromMs: T0 + 1 }).then((rows) => rows.map((r) => r.at)), [T0 + 10_000]);
      assert.equal(await backend.recentTech(T0), [{ model: 'iris', calls: 5, failed: 1, p95: 40 }]);
      assert.equal(await backend.recentTech(T0 + 60_000), [], 'from the next minute on');
      assert.is(await backend.deleteTechBefore(10, T0 + 10_000), 2, 'the totals and the replica row of the first 10 s');
      assert.is((await backend.readTech({ model: 'iris', step: 60, fromMs: 0 })).length, 1, 'other steps kept');
    } finally {
      await cleanup();
    }
  });

  s('over HTTP: a gateway posts technical samples; bad samples are refused saying what is wrong; retention runs on a write', async () => {
    const { backend, cleanup } = await open();
    let clock = T0;
    const server = createMetricsStoreServer({ backend, token: 'store-token', now: () => clock });
    server.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const call = (method: string, path: string, body?: unknown, token = 'store-token') =>
      fetch(`${base}${path}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    try {
      assert.is((await call('POST', '/tech', { atMs: T0, samples: [techWrite({})] }, 'wrong')).status, 401);
      assert.is((await call('GET', '/tech?model=iris&step=10', undefined, 'wrong')).status, 401);
      const bad = await call('POST', '/tech', { atMs: T0, samples: [{ ...techWrite({}), calls: -1 }] });
      assert.is(bad.status, 400);
      assert.match(((await bad.json()) as { message: string }).message, 'samples[0].calls must be a whole number');
      assert.is((await call('POST', '/tech', { atMs: T0, samples: [techWrite({ calls: 4, success: 4 })] })).status, 200);
      const rows = (await (await call('GET', '/tech?model=iris&step=60&fromMs=0')).json()) as { rows: Array<{ calls: number }> };
      assert.equal(rows.rows.map((r) => r.calls), [4]);
      assert.is((await call('GET', '/tech?model=iris&step=7')).status, 400);
      assert.equal(((await (await call('GET', `/tech/recent?fromMs=${T0}`)).json()) as { models: unknown[] }).models, [{ model: 'iris', calls: 4, failed: 0, p95: null }]);
      // Three days on: the 10 s rows (kept two days) go with the next write, the 1 min row stays.
      clock = T0 + 3 * 86_400_000;
      assert.is((await call('POST', '/tech', { atMs: clock, samples: [techWrite({ calls: 1, success: 1 })] })).status, 200);
      const tens = (await (await call('GET', '/tech?model=iris&step=10&fromMs=0')).json()) as { rows: Array<{ at: number }> };
      assert.equal(tens.rows.map((r) => r.at), [clock]);
      assert.is(((await (await call('GET', '/tech?model=iris&step=60&fromMs=0')).json()) as { rows: unknown[] }).rows.length, 2);
    } finally {
      server.close();
      await cleanup();
    }
  });

  s.run();
}

/** One sample of iris (its totals unless `replica` is given), with the same p95 for every step. */
function techWrite(o: Partial<TechWrite> & { p95?: number }): TechWrite {
  const l = { p50: o.p95 === undefined ? null : o.p95 / 2, p95: o.p95 ?? null, p99: o.p95 ?? null };
  return {
    model: 'iris', replica: o.replica ?? '', calls: o.calls ?? 0, success: o.success ?? 0, failure: o.failure ?? 0, error: 0, busy: 0, restarts: 0,
    requestBytes: o.requestBytes ?? 0, responseBytes: 0, cpu: o.cpu ?? null, rss: o.rss ?? null, latency: { 10: l, 60: l, 3600: l },
  };
}
