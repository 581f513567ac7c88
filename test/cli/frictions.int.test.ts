// The CLI's rough edges, smoothed, as a new user meets them: a typo, --help, init and schema, a YAML
// syntax error, a kube context that does not exist, and the API-key hint shown once.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { slipway } from '../support/cli.ts';
import { gitFixture } from '../support/git-fixture.ts';
import { apiKeyHint } from '../../src/cli/api-key-hint.ts';
import { createApiKey } from '../../src/keys/api-keys.ts';
import { openStore } from '../../src/store/database.ts';
import { storePath } from '../../src/backends/local/observe.ts';
import { eventually, localProject } from '../support/local-daemon.ts';

const noStack = (text: string) => assert.not.match(text, /\n\s+at .*:\d+:\d+/, `a stack trace in:\n${text}`);

test('a typo suggests the command and exits 1, without the whole help', () => {
  const fx = gitFixture();
  try {
    const run = slipway(fx.root, ['plna']);
    assert.is(run.status, 1);
    assert.match(run.stderr, "unknown command 'plna'");
    assert.match(run.stderr, 'Did you mean plan?');
    assert.not.match(run.stderr, 'Commands:');
    assert.ok(run.stderr.trim().split('\n').length <= 4, run.stderr);
  } finally {
    fx.remove();
  }
});

test('help has examples', () => {
  const fx = gitFixture();
  try {
    for (const command of ['logs', 'apply', 'up', 'init']) {
      const run = slipway(fx.root, [command, '--help']);
      assert.is(run.status, 0, run.stderr);
      assert.match(run.stdout, new RegExp(`Examples:\\n  slipway ${command}`));
    }
  } finally {
    fx.remove();
  }
});

test('init writes a commented models.yaml whose $schema is the file `slipway schema` prints, and ignores .slipway/', () => {
  const fx = gitFixture();
  try {
    const init = slipway(fx.root, ['init']);
    assert.is(init.status, 0, init.stderr);
    const text = readFileSync(path.join(fx.root, 'models.yaml'), 'utf8');
    const schema = /^# yaml-language-server: \$schema=(.+)$/m.exec(text)?.[1];
    assert.ok(schema, text);
    const printed = slipway(fx.root, ['schema']).stdout.trim();
    assert.is(path.resolve(fx.root, schema!), printed);
    assert.ok(existsSync(printed));
    assert.match(readFileSync(path.join(fx.root, '.gitignore'), 'utf8'), /^\.slipway\/$/m);
    const valid = slipway(fx.root, ['validate']);
    assert.is(valid.status, 0, valid.stderr);

    const again = slipway(fx.root, ['init']);
    assert.is(again.status, 1);
    assert.is(again.stderr, 'slipway: models.yaml exists already; `slipway validate` checks it\n');
    assert.is(slipway(fx.root, ['init', '-f', 'other.yaml']).status, 0);
    assert.is(readFileSync(path.join(fx.root, '.gitignore'), 'utf8').match(/\.slipway/g)?.length, 1, '.slipway/ added once');
  } finally {
    fx.remove();
  }
});

test('a YAML syntax error: one error with the lines around it and a caret', () => {
  const fx = gitFixture();
  try {
    fx.write('models.yaml', 'version: 1\nmodels:\n  - name: a\n    file: [a.py\n    function: f\n  - name: b\n    file: b.py\n    function: g\n');
    const run = slipway(fx.root, ['validate']);
    assert.is(run.status, 1);
    // Placed at the bracket that is never closed, not where the parser gave up; nothing after it.
    assert.match(run.stderr, /^models\.yaml:4:11 YAML syntax error: the "\[" opened here is never closed .*\n {4}2 \| models:\n {4}3 \| {3}- name: a\n {2}> 4 \| {5}file: \[a\.py\n {6}\| {11}\^\nmodels\.yaml: 1 problem\n$/);
  } finally {
    fx.remove();
  }
});

test('a kube context that does not exist: one line, no stack; --debug shows it', () => {
  const fx = gitFixture();
  try {
    fx.write('models.yaml', 'version: 1\ntargets:\n  prod: {backend: kubernetes, context: nope, registry: registry.test/ml}\nmodels:\n  - name: a\n    file: a.py\n    function: f\n');
    fx.write('a.py', 'def f(args):\n    return 1\n');
    fx.write('kubeconfig', 'apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]\nusers: [{name: u, user: {token: t}}]\ncontexts: [{name: real, context: {cluster: c, user: u}}]\ncurrent-context: real\n');
    const run = slipway(fx.root, ['plan', '--target', 'prod', '--kubeconfig', 'kubeconfig']);
    assert.is(run.status, 1, run.stdout);
    assert.match(run.stderr, /^slipway: .*context "nope"/);
    noStack(run.stderr);
    const debug = slipway(fx.root, ['plan', '--target', 'prod', '--kubeconfig', 'kubeconfig', '--debug']);
    assert.is(debug.status, 1);
    assert.match(debug.stderr, /context "nope"/);
  } finally {
    fx.remove();
  }
});

test('the API-key hint: once per repository; with SLIPWAY_API_KEY set, which key it is', () => {
  const fx = gitFixture();
  try {
    const first = apiKeyHint(fx.root, true, {});
    assert.match(first.join('\n'), 'keys create --name me --quiet');
    assert.equal(apiKeyHint(fx.root, true, {}), [], 'not again');
    assert.equal(apiKeyHint(fx.root, false, {}), [], 'nothing when no model needs a key');

    const store = openStore(storePath(fx.root));
    const created = createApiKey(store, { name: 'laptop' });
    store.close();
    const using = apiKeyHint(fx.root, true, { SLIPWAY_API_KEY: created.key }).join('\n');
    assert.match(using, `API key "laptop" (#${created.id}, ${created.prefix}…, valid until`);
    assert.not.match(using, created.key, 'never the key itself');
    assert.match(apiKeyHint(fx.root, true, { SLIPWAY_API_KEY: `${created.key.slice(0, -1)}x` }).join('\n'), 'matches no API key of this repository');
  } finally {
    fx.remove();
  }
});


test('the daemon dying during an apply: one line naming the daemon and its log, no stack', async () => {
  const p = await localProject({
    'models.yaml': 'version: 1\nmodels:\n  - name: slow\n    file: m/slow.py\n    function: f\n',
    'm/slow.py': 'def f(args):\n    return 1\n',
    'm/build.sh': '#!/bin/sh\necho building slowly\nsleep 60\n',
  });
  try {
    const applying = p.cli('apply', '--yes', '--port', String(p.port));
    // The build is recorded once it starts; its script then sleeps for a minute.
    const pid = await eventually('the build to start', async () => {
      const info = p.daemonFile();
      if (!info) return undefined;
      const builds = await p.cli('builds', 'slow', '--json');
      return builds.status === 0 && JSON.parse(builds.stdout).length === 1 ? info.pid : undefined;
    }, 600);
    process.kill(pid, 'SIGKILL');
    const run = await applying;
    assert.is(run.status, 1, run.stdout + run.stderr);
    assert.match(run.stderr, /^slipway: lost the connection to the Slipway daemon \(\w+\)\nhint: .*\.slipway\/daemon\.log/m);
    noStack(run.stderr);
  } finally {
    await p.cleanup();
  }
});

test.run();
