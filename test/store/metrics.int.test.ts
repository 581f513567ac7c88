import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ensureModel } from '../../src/store/models.ts';
import { readMetrics, recordMetrics } from '../../src/store/metrics.ts';
import { tempStore } from './fixtures.ts';

test('metrics are recorded per name and read by model, uuid and time', () => {
  const { store, cleanup } = tempStore();
  try {
    ensureModel(store, 'm');
    ensureModel(store, 'other');
    recordMetrics(
      store,
      { model: 'm', replicaId: 'm-1-1-abc', uuid: 'u1', metrics: { input: { a: 1 }, score: 0.5 } },
      new Date('2025-01-01T00:00:00Z'),
    );
    recordMetrics(store, { model: 'm', uuid: 'u2', metrics: { score: 0.9 } }, new Date('2025-01-02T00:00:00Z'));
    recordMetrics(store, { model: 'other', metrics: { n: 1 } });

    const all = readMetrics(store, 'm');
    assert.equal(all.map((m) => [m.uuid, m.name, m.value]), [
      ['u1', 'input', { a: 1 }],
      ['u1', 'score', 0.5],
      ['u2', 'score', 0.9],
    ]);
    assert.is(all[0]!.replicaId, 'm-1-1-abc');
    assert.is(all[2]!.deploymentId, null);
    assert.equal(readMetrics(store, 'm', { uuid: 'u2' }).map((m) => m.value), [0.9]);
    assert.equal(
      readMetrics(store, 'm', { since: new Date('2025-01-01T12:00:00Z') }).map((m) => m.uuid),
      ['u2'],
    );
    assert.equal(readMetrics(store, 'm', { uuid: 'u1', since: new Date('2025-01-01T12:00:00Z') }), []);
  } finally {
    cleanup();
  }
});

test.run();
