// Validation errors as the runner's `::error` workflow commands: position properties and escaping.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { annotationFor, errorCommand, escapeCommandData, escapeCommandProperty } from '../../src/github/annotations.ts';

const issue = { file: 'models.yaml', line: 14, column: 16, path: 'models[1].replicas', message: '12 is above limits.maxReplicas 9 (raise limits.maxReplicas, at most 199)' };

test('an issue becomes ::error with file, line, col and title', () => {
  assert.is(
    errorCommand(issue, 'deploy/models.yaml'),
    '::error file=deploy/models.yaml,line=14,col=16,title=deploy/models.yaml is not valid::models[1].replicas: 12 is above limits.maxReplicas 9 (raise limits.maxReplicas, at most 199)',
  );
  assert.equal(annotationFor({ ...issue, path: '' }, 'models.yaml'), {
    message: issue.message,
    properties: { file: 'models.yaml', startLine: 14, startColumn: 16, title: 'models.yaml is not valid' },
  });
});

test('data escapes %, CR and LF; properties also : and ,', () => {
  assert.is(escapeCommandData('50% done\r\nnext'), '50%25 done%0D%0Anext');
  assert.is(escapeCommandProperty('a:b,c%'), 'a%3Ab%2Cc%25');
  assert.is(errorCommand({ ...issue, message: 'bad\nvalue' }, 'dir,1/m:odels.yaml'), '::error file=dir%2C1/m%3Aodels.yaml,line=14,col=16,title=dir%2C1/m%3Aodels.yaml is not valid::models[1].replicas: bad%0Avalue');
});

test.run();
