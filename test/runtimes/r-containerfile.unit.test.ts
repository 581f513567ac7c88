// The R model Containerfile from plain values: dependency layer before the runtime and the code,
// the install step the build's files call for, the R runtime as entry point, labels last.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { renderRContainerfile } from '../../src/runtimes/r-containerfile.ts';

const base = { baseImage: 'localhost/base/r:4.2', file: 'predict.R', function: 'predict', labels: { 'dev.slipway.model': 'm' } };

test('install.R runs in the dependency layer, before the runtime and the code', () => {
  const lines = renderRContainerfile({ ...base, script: null, declared: ['install.R', 'DESCRIPTION'] }).split('\n');
  const at = (text: string) => lines.findIndex((line) => line.startsWith(text));
  assert.is(lines[1], 'FROM localhost/base/r:4.2');
  assert.ok(at('COPY deps/') < at('RUN ["Rscript", "install.R"]'));
  assert.ok(at('RUN ["Rscript", "install.R"]') < at('COPY runtime/'));
  assert.ok(at('COPY runtime/') < at('COPY app/'));
  assert.is(at('RUN ["Rscript", "-e"'), -1, 'install.R wins over DESCRIPTION');
  assert.match(lines.find((line) => line.startsWith('ENTRYPOINT'))!, '["Rscript", "--no-save", "--no-restore", "/opt/slipway/runtime/slipway_runtime.R", "--file", "predict.R", "--function", "predict"]');
  assert.ok(lines.findIndex((line) => line.startsWith('LABEL')) > at('CMD'), 'labels last');
});

test('a build script wins; DESCRIPTION alone installs what it names; nothing declared: no dependency layer', () => {
  assert.match(renderRContainerfile({ ...base, script: 'cdsw-build.sh', declared: ['install.R'] }), 'RUN ["bash", "cdsw-build.sh"]');
  assert.match(renderRContainerfile({ ...base, script: null, declared: ['DESCRIPTION'] }), /RUN \["Rscript", "-e", ".*", "DESCRIPTION", "DESCRIPTION"\]/);
  assert.not.match(renderRContainerfile({ ...base, script: null, declared: [] }), 'COPY deps/');
});

test.run();
