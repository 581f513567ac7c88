// Environment variables through the daemon: project < model precedence, fromEnv secrets taken
// from the environment of the `slipway apply` that deploys them (never stored, never logged), a
// changed secret planned as a reconfigure, and no variable inherited from an earlier deployment.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { localProject } from '../support/local-daemon.ts';
import { slipwayAsync } from '../support/cli.ts';

const modelsYaml = `version: 1
project: env
env:
  SHARED: from-project
  LEVEL: info
models:
  - name: envy
    file: m/env.py
    function: show
    auth: false
    env:
      LEVEL: debug
      TOKEN:
        fromEnv: ENVY_TOKEN
`;

const showEnv = `import os

def show(args):
    return {name: os.environ.get(name) for name in ["SHARED", "LEVEL", "TOKEN", "ENVY_TOKEN"]}
`;

test('env: precedence, secrets from the applying shell, reconfigure on a new secret, nothing inherited', async () => {
  const p = await localProject({ 'models.yaml': modelsYaml, 'm/env.py': showEnv });
  const withSecret = (value: string, ...args: string[]) => slipwayAsync(p.root, args, { ENVY_TOKEN: value });
  try {
    const missing = await p.cli('apply', '--yes', '--port', String(p.port));
    assert.is(missing.status, 1, 'apply refuses when a fromEnv variable is not set');
    assert.match(missing.stdout + missing.stderr, 'ENVY_TOKEN');

    const first = await withSecret('first-s3cret', 'apply', '--yes', '--port', String(p.port));
    assert.is(first.status, 0, first.stdout + first.stderr);
    const seen = await p.call('envy', {});
    assert.is(seen.status, 200, JSON.stringify(seen.body));
    // The secret reaches the model under its own name only; the shell's variable does not.
    assert.equal(seen.body.response, { SHARED: 'from-project', LEVEL: 'debug', TOKEN: 'first-s3cret', ENVY_TOKEN: null });

    const plan = await withSecret('second-s3cret', 'plan', '--json');
    const change = JSON.parse(plan.stdout).changes[0];
    assert.is(change.action, 'reconfigure');
    assert.equal(change.reasons, ['env TOKEN changed (secret)']);
    assert.not.match(plan.stdout, 's3cret');
    const second = await withSecret('second-s3cret', 'apply', '--yes');
    assert.is(second.status, 0, second.stdout + second.stderr);
    assert.not.match(second.stdout + second.stderr, 's3cret');
    assert.is((await p.call('envy', {})).body.response.TOKEN, 'second-s3cret');

    p.fx.write('models.yaml', modelsYaml.replace('      LEVEL: debug\n', ''));
    const third = await withSecret('second-s3cret', 'apply', '--yes');
    assert.is(third.status, 0, third.stdout + third.stderr);
    assert.is((await p.call('envy', {})).body.response.LEVEL, 'info', 'the model no longer overrides LEVEL');

    const deployments = await p.ok('deployments', 'envy', '--json');
    assert.not.match(deployments, 's3cret');
    const stateDir = path.join(p.root, '.slipway');
    for (const name of readdirSync(stateDir)) {
      if (!name.startsWith('state.db') && !name.endsWith('.log')) continue;
      assert.is(readFileSync(path.join(stateDir, name)).indexOf('s3cret'), -1, `${name} holds a secret's value`);
    }
  } finally {
    await p.cleanup();
  }
});

test.run();
