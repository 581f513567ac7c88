// An R model through the real daemon (`slipway up -d`), sandboxed like any other: the CML
// envelope with an access key and an API key, the function's own error, CML's model metrics
// (model_metrics, track_metric, read_metrics), 429 when its one replica
// is busy, 504 when it hangs, a restart after a crash, and a code-only change that reuses the
// build's R library folder.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { eventually, localProject, type Answer, type LocalProject } from '../support/local-daemon.ts';
import { behavingRModels, rMissing, rModelEntry } from '../support/r-models.ts';

const test = suite('an R model through the daemon');
let p: LocalProject;
let releaseDir: string;

function yaml(): string {
  return `version: 1
project: rmodels
models:
${rModelEntry('recho', 'echo', ['example:', '  input: {"x": 1.5}', '  output: {"x": 1.5}'])}
${rModelEntry('rhang', 'echo', ['auth: false', 'timeoutSeconds: 0.5'])}
${rModelEntry('rscored', 'scored', ['auth: false'])}
${rModelEntry('rreader', 'reader', ['auth: false'])}
${rModelEntry('rbusy', 'hold', ['auth: false', 'busyTimeoutSeconds: 0.2', 'sandbox:', `  paths: [${releaseDir}]`])}
`;
}

/** Installs jsonlite into nothing new (it is Debian's), so the build has an R library folder. */
const installR = 'if (!requireNamespace("jsonlite", quietly = TRUE)) install.packages("jsonlite")\nwriteLines("install.R ran", file.path(Sys.getenv("R_LIBS_USER"), "marker.txt"))\n';

const missing = rMissing();
if (missing !== null) {
  if (process.env.CI === 'true') test('R is installed', () => assert.unreachable(missing));
  else console.log(`skipping the R model tests: ${missing}`);
} else {
  test.before(async () => {
    releaseDir = mkdtempSync(path.join(tmpdir(), 'slipway-release-'));
    p = await localProject({ 'models.yaml': yaml(), 'r/models.R': behavingRModels, 'r/install.R': installR });
    await p.ok('up', '-d', '--no-watch', '--port', String(p.port));
  });
  test.after(async () => {
    await p?.cleanup();
    if (releaseDir) rmSync(releaseDir, { recursive: true, force: true });
  });

  test('the CML envelope: an access key and an API key; a named list answers a JSON object', async () => {
    const apiKey = await p.apiKey('--name', 'r');
    const answer = await p.cml(p.accessKey('recho'), { x: 1.5, tags: ['a', 'b'] }, apiKey);
    assert.is(answer.status, 200, JSON.stringify(answer.body));
    assert.is(answer.body.success, true);
    assert.equal(answer.body.response, { x: 1.5, tags: ['a', 'b'] });
    assert.match(answer.body.ReplicaID, /^recho-1-/);
    const noKey = await p.cml(p.accessKey('recho'), { x: 1 });
    assert.is(noKey.status, 401, JSON.stringify(noKey.body));
    const wrong = await p.cml('not-the-key', { x: 1 }, apiKey);
    assert.ok(wrong.status === 401 || wrong.status === 404, JSON.stringify(wrong.body));
  });

  test('the replica runs in the sandbox: the repository is not there, its R library is', async () => {
    const status = await p.status() as unknown as { sandbox: string };
    assert.is(status.sandbox, 'bubblewrap');
    const apiKey = await p.apiKey('--name', 'peek');
    const info = JSON.parse(readFileSync(path.join(p.root, '.slipway/builds/recho/1/build.json'), 'utf8'));
    const repo = await p.cml(p.accessKey('recho'), { peek: path.join(p.root, 'models.yaml') }, apiKey);
    assert.equal(repo.body.response, { seen: false, library: info.library });
    const library = await p.cml(p.accessKey('recho'), { peek: path.join(info.library, 'marker.txt') }, apiKey);
    assert.is(library.body.response.seen, true);
  });

  test('the function\'s own error: 500 with its message, and the replica keeps serving', async () => {
    const apiKey = await p.apiKey('--name', 'r2');
    const failed = await p.cml(p.accessKey('recho'), { raise: 'boom' }, apiKey);
    assert.is(failed.status, 500, JSON.stringify(failed.body));
    assert.is(failed.body.errorCode, 'model.error');
    assert.match(JSON.stringify(failed.body), 'asked to raise: boom');
    assert.is((await p.cml(p.accessKey('recho'), { fine: true }, apiKey)).status, 200);
  });

  test('CML model metrics in R: model_metrics answers with a uuid, track_metric is stored, read_metrics reads it', async () => {
    const scored = await p.call('rscored', { x: 21 });
    assert.is(scored.status, 200, JSON.stringify(scored.body));
    const { prediction, uuid, model_deployment_crn: crn } = scored.body.response;
    assert.is(prediction, 42);
    assert.match(uuid, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.match(crn, /^crn:/);
    const read = await p.call('rreader', { crn });
    assert.is(read.status, 200, JSON.stringify(read.body));
    const rows = read.body.response.metrics as Array<{ predictionUuid: string; metrics: Record<string, unknown> }>;
    const row = rows.find((r) => r.predictionUuid === uuid);
    assert.ok(row, JSON.stringify(read.body.response));
    assert.equal(row!.metrics, { input: 21, doubled: 42 });
  });

  test('429: its one replica held; the next call gets model.busy, the held call then answers', async () => {
    const release = path.join(releaseDir, 'go');
    const before = (await p.replicaStats('rbusy'))[0].received;
    const held: Promise<Answer> = p.call('rbusy', { release, tag: 'held' });
    await eventually('the held call to reach the replica', async () => ((await p.replicaStats('rbusy'))[0].received > before ? true : undefined));
    const busy = await p.call('rbusy', { release, tag: 'second' });
    assert.is(busy.status, 429, JSON.stringify(busy.body));
    assert.is(busy.body.errorCode, 'model.busy');
    writeFileSync(release, '');
    const first = await held;
    assert.is(first.status, 200, JSON.stringify(first.body));
    assert.is(first.body.response.held, 'held');
  });

  test('504 on a hang, then the replica is replaced and serves again', async () => {
    const before = (await p.replicaStats('rhang'))[0];
    const hung = await p.call('rhang', { sleep: 60 });
    assert.is(hung.status, 504, JSON.stringify(hung.body));
    assert.is(hung.body.errorCode, 'model.timeout');
    const next = await p.call('rhang', { after: 'hang' });
    assert.is(next.status, 200, JSON.stringify(next.body));
    const after = (await p.replicaStats('rhang'))[0];
    assert.is(after.restarts, before.restarts + 1);
    assert.is.not(after.pid, before.pid);
  });

  test('a crash mid-call: 502, the replica restarts and serves the next call', async () => {
    const crashed = await p.call('rhang', { exit: true });
    assert.is(crashed.status, 502, JSON.stringify(crashed.body));
    assert.is(crashed.body.errorCode, 'replica.died');
    const next = await p.call('rhang', { after: 'crash' });
    assert.is(next.status, 200, JSON.stringify(next.body));
    assert.equal(next.body.response, { after: 'crash' });
  });

  test('a code-only change rebuilds and reuses the R library folder its install.R filled', async () => {
    const first = JSON.parse(readFileSync(path.join(p.root, '.slipway/builds/recho/1/build.json'), 'utf8'));
    assert.is(first.runtime, 'r');
    assert.type(first.library, 'string');
    assert.ok(existsSync(path.join(first.library, 'marker.txt')), 'install.R ran with R_LIBS_USER set to the library');
    p.fx.write('r/models.R', `${behavingRModels}\n# v2\n`);
    p.fx.commitAll('v2');
    const applied = await p.ok('apply', '--yes');
    assert.match(applied, 'recho: rebuild build #2');
    const second = JSON.parse(readFileSync(path.join(p.root, '.slipway/builds/recho/2/build.json'), 'utf8'));
    assert.is(second.library, first.library);
    assert.is(second.deps, first.deps);
    assert.match(readFileSync(path.join(p.root, '.slipway/builds/recho/2.log'), 'utf8'), /reusing R library/);
    const answer = await p.call('recho', { v: 2 }, await p.apiKey('--name', 'r3'));
    assert.is(answer.status, 200, JSON.stringify(answer.body));
    assert.match(answer.body.ReplicaID, /^recho-2-/);
  });
}

test.run();
