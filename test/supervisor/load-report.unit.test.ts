import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { describeWarning, environmentAdvice, parseLoadLine, type LoadFinding } from '../../src/supervisor/load-report.ts';
import { ReplicaStartError } from '../../src/supervisor/replica-start-error.ts';

const finding = (over: Partial<LoadFinding>): LoadFinding => ({ kind: 'error', message: 'E: x', package: null, found: null, wanted: null, ...over });

test('the runtime line parses; anything else is not a report', () => {
  const line = 'SLIPWAY_LOAD {"warnings": [], "error": {"kind": "missing-module", "message": "ModuleNotFoundError: No module named \'xgboost\'", "package": "xgboost", "found": null, "wanted": null}}';
  assert.equal(parseLoadLine(line)?.error?.package, 'xgboost');
  assert.is(parseLoadLine('SLIPWAY_READY port=1'), null);
});

test('environment causes name the package and versions; the model\'s own errors get no such advice', () => {
  assert.match(environmentAdvice(finding({ kind: 'missing-module', package: 'xgboost' }))!, 'module "xgboost" is not installed in the build');
  assert.match(
    environmentAdvice(finding({ kind: 'version-skew', package: 'scikit-learn', found: '1.2.1', wanted: '1.3.0' }))!,
    'scikit-learn 1.2.1 is installed, the artifact was made with 1.3.0). Pin scikit-learn==1.3.0',
  );
  assert.is(environmentAdvice(finding({ kind: 'error' })), null);
  assert.is(describeWarning(finding({ kind: 'warning', message: 'DeprecationWarning: old' })), 'DeprecationWarning: old');
});

test('a replica that failed at import for its environment says so instead of blaming the file', () => {
  const error = new ReplicaStartError({
    model: 'm',
    deploymentId: 1,
    replicaId: 'm-1-1-abc',
    failure: { reason: 'exited', exit: { code: 3, signal: null } },
    stderrTail: ["ModuleNotFoundError: No module named 'xgboost'"],
    load: finding({ kind: 'missing-module', package: 'xgboost' }),
  });
  assert.match(error.message, 'The environment is the likely cause: module "xgboost" is not installed');
  assert.not.match(error.message, "Fix the error above in the model's file");
});

test.run();
