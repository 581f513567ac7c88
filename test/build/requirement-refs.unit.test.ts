import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { requirementRefs } from '../../src/build/requirement-refs.ts';

test('project names from an index are not local paths', () => {
  assert.equal(requirementRefs('numpy>=1.24\nflask==2.2 ; python_version >= "3.8"\n# ./commented\n'), { packages: [], nested: [] });
});

test('local packages, editables, wheels and find-links folders are found', () => {
  const text = [
    '--no-index',
    './tinypkg  # comment',
    '-e ./lib/editable',
    '--editable=../outside',
    'wheels/pkg-1.0-py3-none-any.whl',
    'mypkg[extra] @ file:./vendor/mypkg',
    '-f ./wheelhouse',
    '--find-links https://example.org/simple',
    '-e git+https://example.org/repo.git#egg=x',
    'local/path#egg=named',
    '/opt/wheels/torch.whl',
  ].join('\n');
  assert.equal(requirementRefs(text).packages, [
    './tinypkg',
    './lib/editable',
    '../outside',
    'wheels/pkg-1.0-py3-none-any.whl',
    './vendor/mypkg',
    './wheelhouse',
    'local/path',
    '/opt/wheels/torch.whl',
  ]);
});

test('nested requirement and constraint files are followed', () => {
  const text = '-r base.txt\n--requirement=more/dev.txt\n-c constraints.txt\n--constraint other.txt\n-rshort.txt\n';
  assert.equal(requirementRefs(text), {
    packages: [],
    nested: ['base.txt', 'more/dev.txt', 'constraints.txt', 'other.txt', 'short.txt'],
  });
});

test('continued lines are joined before reading', () => {
  assert.equal(requirementRefs('-e \\\n  ./pkg\n').packages, ['./pkg']);
});

test.run();
