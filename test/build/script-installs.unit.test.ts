import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { scriptInstallsRequirements } from '../../src/build/script-installs.ts';

test('the usual cdsw-build.sh lines install the requirements file', () => {
  for (const script of [
    'pip3 install -r requirements.txt',
    '#!/bin/bash\nset -e\npip install --user -r ./requirements.txt\n',
    'python3 -m pip install --no-cache-dir --requirement=requirements.txt',
    '/usr/local/bin/pip3.11 install -r "requirements.txt" && Rscript install.R',
    'pip3 install \\\n  -r requirements.txt',
    'echo start; pip3 install -rrequirements.txt',
  ]) {
    assert.ok(scriptInstallsRequirements(script, 'requirements.txt'), script);
  }
});

test('other files, other commands and comments do not count', () => {
  for (const script of [
    'pip3 install -r requirements-dev.txt',
    '# pip3 install -r requirements.txt',
    'cat requirements.txt | wc -l',
    'pip3 download -r requirements.txt',
    'pip3 install numpy',
    'Rscript install.R',
  ]) {
    assert.not.ok(scriptInstallsRequirements(script, 'requirements.txt'), script);
  }
  assert.ok(scriptInstallsRequirements('pip install -r deps/requirements.txt', 'deps/requirements.txt'));
});

test.run();
