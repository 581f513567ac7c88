// A build that needs a package the interpreter lacks, with the package index out of reach
// (PIP_INDEX_URL at a closed loopback port, given to the build through the model's env from the
// environment): apply fails in seconds, naming the package and what to do, never the index URL.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { localProject } from '../support/local-daemon.ts';

/** A loopback port nothing listens on: bound on port 0, then closed (only this test needs one). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const modelsYaml = `version: 1
project: offline
models:
  - name: needs-index
    file: m/predict.py
    function: predict
    auth: false
    env:
      PIP_INDEX_URL: {fromEnv: TEST_PRIVATE_INDEX}
`;

test('an unreachable index fails the build fast, naming the package and the way out', async () => {
  const p = await localProject({
    'models.yaml': modelsYaml,
    'm/predict.py': 'def predict(args):\n    return args\n',
    'm/requirements.txt': 'numpy\nslipway-surely-absent-package==1.0\n',
  });
  const index = `http://user:hunter2@127.0.0.1:${await closedPort()}/simple`;
  process.env.TEST_PRIVATE_INDEX = index;
  try {
    const run = await p.cli('apply', '--yes', '--port', String(p.port));
    assert.is(run.status, 1, run.stdout + run.stderr);
    assert.match(run.stdout, 'requirements.txt needs slipway-surely-absent-package==1.0 (not installed)');
    assert.match(run.stdout, 'and the package index cannot be reached: Connection refused');
    assert.match(run.stdout, 'Declare build.python');
    assert.match(run.stdout, 'PIP_INDEX_URL: {fromEnv: PIP_INDEX_URL}');
    assert.not.match(run.stdout + run.stderr, 'hunter2');
    assert.not.match(run.stdout, 'numpy (', 'numpy is satisfied and not listed');
    // Seconds rather than minutes of retries: the build never starts pip, whose retries against a
    // dead index are what take minutes (no timing threshold: the build log says what ran).
    const log = readFileSync(join(p.root, '.slipway', 'builds', 'needs-index', '1.log'), 'utf8');
    assert.match(log, 'the package index cannot be reached');
    assert.not.match(log, '[pip]', 'pip was never run against the dead index');
    assert.not.match(log, 'Retrying');
  } finally {
    delete process.env.TEST_PRIVATE_INDEX;
    await p.cleanup();
  }
});

test.run();
