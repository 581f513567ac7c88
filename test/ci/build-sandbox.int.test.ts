// A candidate's build steps run in the candidates' sandbox (issue 17): with production's daemon
// up, `slipway test` builds a model whose cdsw-build.sh tries to read `.slipway/daemon.json` and to
// write into `.slipway/`. Sandboxed, both fail, by the script's own report in the build log, and
// nothing lands in `.slipway/`; the same build unsandboxed (--unsafe-candidates where no sandbox
// is made) does both, so the test can fail. Production's deps folders are never the candidate's.
import { existsSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { slipwayAsync } from '../support/cli.ts';
import { localProject, type LocalProject } from '../support/local-daemon.ts';
import { detectSandbox } from '../../src/sandbox/detect-sandbox.ts';

const sandbox = detectSandbox();
if (!sandbox.ok && process.env.CI === 'true') throw new Error(`no sandbox on this machine: ${sandbox.reason}. CI must run this test; .ci/run installs bubblewrap.`);

const modelsYaml = `version: 1
project: buildbox
models:
  - name: echo
    file: echo.py
    function: predict
    example:
      input: {"x": 1}
      output: {"x": 1}
`;
const echo = 'def predict(args):\n    return args\n';

function buildScript(root: string): string {
  const state = path.join(root, '.slipway');
  return `#!/bin/bash
if head -c 1 ${JSON.stringify(`${state}/daemon.json`)} >/dev/null 2>&1; then echo "probe read-daemon-json: READ"; else echo "probe read-daemon-json: DENIED"; fi
if echo poison > ${JSON.stringify(`${state}/poisoned`)} 2>/dev/null; then echo "probe write-state: WROTE"; else echo "probe write-state: DENIED"; fi
if ls ${JSON.stringify(`${state}/builds`)} >/dev/null 2>&1; then echo "probe list-builds: LISTED"; else echo "probe list-builds: DENIED"; fi
exit 0
`;
}

const test = suite('candidate build steps in the sandbox');
let p: LocalProject;

test.before(async () => {
  p = await localProject({ 'models.yaml': modelsYaml, 'echo.py': echo });
  p.fx.write('cdsw-build.sh', buildScript(p.root));
  p.fx.commitAll('build script that probes the state folder');
  await p.ok('up', '-d', '--no-watch', '--port', String(p.port));
});
test.after(async () => {
  await p.cleanup();
});

const poisoned = () => path.join(p.root, '.slipway', 'poisoned');

test('sandboxed: the build script can neither read daemon.json nor write into .slipway/, and the candidate passes', async () => {
  if (!sandbox.ok) return console.log(`skipped: ${sandbox.reason}`);
  rmSync(poisoned(), { force: true });
  p.fx.write('echo.py', `${echo}# sandboxed\n`);
  p.fx.commitAll('sandboxed run');
  const run = await slipwayAsync(p.root, ['test']);
  assert.is(run.status, 0, `${run.stdout}\n${run.stderr}`);

  assert.match(run.stderr, '[cdsw-build.sh] probe read-daemon-json: DENIED');
  assert.match(run.stderr, '[cdsw-build.sh] probe write-state: DENIED');
  assert.match(run.stderr, '[cdsw-build.sh] probe list-builds: DENIED');
  assert.not.ok(existsSync(poisoned()), 'nothing written into .slipway/');
  // Production (\`up\`) installed the same dependency hash; the candidate did not reuse that folder
  // but made its own, named by the hash and its build key, which no production build ever names.
  const deps = readdirSync(path.join(p.root, '.slipway', 'deps')).filter((name) => !name.endsWith('.lock'));
  const production = deps.filter((name) => !name.startsWith('candidate-'));
  assert.is(production.length, 1, deps.join(', '));
  assert.ok(deps.some((name) => name.startsWith(`candidate-${production[0]}-`)), deps.join(', '));
  assert.match(run.stderr, `installing dependencies candidate-`);
});

test('unsandboxed (--unsafe-candidates, SLIPWAY_SANDBOX=none): the same script reads and writes the state folder', async () => {
  rmSync(poisoned(), { force: true });
  p.fx.write('echo.py', `${echo}# unsandboxed\n`);
  p.fx.commitAll('unsandboxed run');
  const refused = await slipwayAsync(p.root, ['test'], { SLIPWAY_SANDBOX: 'none' });
  assert.is.not(refused.status, 0, 'refused without --unsafe-candidates');
  assert.match(refused.stdout + refused.stderr, 'pull-request code is never run unsandboxed');
  assert.not.match(refused.stderr, 'probe read-daemon-json');
  const run = await slipwayAsync(p.root, ['test', '--unsafe-candidates'], { SLIPWAY_SANDBOX: 'none' });
  assert.is(run.status, 0, `${run.stdout}\n${run.stderr}`);
  assert.match(run.stderr, '[cdsw-build.sh] probe read-daemon-json: READ');
  assert.match(run.stderr, '[cdsw-build.sh] probe write-state: WROTE');
  assert.ok(existsSync(poisoned()));
});

test.run();
