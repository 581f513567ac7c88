// Which image found under a build key's tag an apply may deploy without building: labels naming
// the model and key, and a digest a build of this target recorded (never a candidate's).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { LedgerBuild } from '../../src/apply/build-ledger.ts';
import { provenanceProblem, trustedDigests } from '../../src/backends/kubernetes/image-provenance.ts';
import { inputs } from '../plan/factories.ts';

const registry = 'registry.test/ml';
const digest = (c: string) => `sha256:${c.repeat(64)}`;
const labels = { 'dev.slipway.model': 'iris', 'dev.slipway.build-key': 'k1' };

function build(number: number, fields: Partial<LedgerBuild>): LedgerBuild {
  return {
    model: 'iris', number, key: 'k1', inputs: inputs('iris'), artifact: `${registry}/iris:k1`, gitCommit: null, status: 'succeeded',
    logPath: null, errorTail: null, startedAt: '2026-01-01T00:00:00Z', finishedAt: '2026-01-01T00:01:00Z', digest: digest('a'), ...fields,
  };
}

test('trusted digests: succeeded builds of the key in the target repository only', () => {
  const builds = [
    build(1, {}),
    build(2, { artifact: `${registry}-candidates/iris:k1`, digest: digest('b') }),
    build(3, { status: 'failed', digest: digest('c') }),
    build(4, { key: 'k2', digest: digest('d') }),
    build(5, { status: 'building', digest: null }),
  ];
  assert.equal(trustedDigests(builds, 'k1', registry), [digest('a')]);
});

test('an image is used only with both labels and a trusted digest', () => {
  assert.is(provenanceProblem({ digest: digest('a'), labels }, 'iris', 'k1', [digest('a')]), null);
  assert.match(provenanceProblem({ digest: digest('b'), labels }, 'iris', 'k1', [digest('a')])!, 'no build this target applied recorded its digest');
  assert.match(provenanceProblem({ digest: digest('a'), labels: { ...labels, 'dev.slipway.build-key': 'k9' } }, 'iris', 'k1', [digest('a')])!, 'dev.slipway.build-key is "k9…", not this key');
  assert.match(provenanceProblem({ digest: digest('a'), labels: {} }, 'iris', 'k1', [digest('a')])!, 'dev.slipway.model is missing, not "iris"');
});

test.run();
