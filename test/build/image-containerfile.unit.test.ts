import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { baseImageProblem, renderContainerfile, type ContainerfileInput } from '../../src/build/containerfile.ts';

const input: ContainerfileInput = {
  baseImage: 'docker.io/library/python:3.11-slim',
  requirements: 'requirements.txt',
  script: 'build.sh',
  file: 'predict.py',
  function: 'predict',
  labels: { 'dev.slipway.model': 'adder', 'dev.slipway.build-number': '4' },
};

/** The instruction lines (no comments, continuation lines folded in). */
function instructions(text: string): string[] {
  return text
    .replace(/ \\\n\s+/g, ' ')
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'));
}

test('dependencies come before code, the runtime between them, labels last', () => {
  assert.equal(instructions(renderContainerfile(input)), [
    'FROM docker.io/library/python:3.11-slim',
    'ENV PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 PIP_NO_INPUT=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 PIP_BREAK_SYSTEM_PACKAGES=1 PIP_ROOT_USER_ACTION=ignore',
    'WORKDIR /home/cdsw',
    'COPY deps/ /home/cdsw/',
    'RUN ["python3", "-m", "pip", "install", "--no-input", "-r", "requirements.txt"]',
    'RUN ["bash", "build.sh"]',
    'COPY runtime/ /opt/slipway/runtime/',
    'COPY app/ /home/cdsw/',
    'ENV PYTHONPATH=/opt/slipway/runtime HOME=/home/cdsw',
    'USER 10001:0',
    'EXPOSE 8080',
    'ENTRYPOINT ["python3", "-m", "slipway_runtime", "--file", "predict.py", "--function", "predict"]',
    'CMD ["--host", "0.0.0.0", "--port", "8080"]',
    'LABEL dev.slipway.model="adder" dev.slipway.build-number="4"',
  ]);
});

test('a model without requirements or script has no dependency layer', () => {
  const lines = instructions(renderContainerfile({ ...input, requirements: null, script: null }));
  assert.not.ok(lines.some((line) => line.startsWith('RUN') || line.includes('deps/')));
  const scriptOnly = instructions(renderContainerfile({ ...input, requirements: null, script: 'tools/build.sh' }));
  assert.ok(scriptOnly.includes('COPY deps/ /home/cdsw/'));
  assert.ok(scriptOnly.includes('RUN ["bash", "tools/build.sh"]'));
  assert.not.ok(scriptOnly.some((line) => line.includes('pip", "install')));
});

test('paths and label values are quoted, so they cannot add instructions', () => {
  const text = renderContainerfile({
    ...input,
    file: 'we"ird\nRUN evil.py',
    labels: { 'org.opencontainers.image.source': 'https://example.com/a"b\nRUN evil' },
  });
  assert.ok(text.includes('"--file", "we\\"ird\\nRUN evil.py"'));
  assert.ok(text.includes('org.opencontainers.image.source="https://example.com/a\\"b\\nRUN evil"'));
  assert.not.ok(text.split('\n').some((line) => line.startsWith('RUN evil')));
});

test('base image names are single words', () => {
  assert.is(baseImageProblem('docker.io/library/python:3.11-slim'), null);
  assert.is(baseImageProblem('localhost/base/python:3.11-bookworm'), null);
  assert.is(baseImageProblem('python@sha256:0123abcd'), null);
  assert.match(baseImageProblem('python:3.11\nRUN rm -rf /') ?? '', /is not an image name/);
  assert.match(baseImageProblem('python 3') ?? '', /is not an image name/);
  assert.match(baseImageProblem('') ?? '', /is not an image name/);
});

test.run();
