// A registry that needs credentials, for real: docker-registry with htpasswd. The builder pushes
// with the credentials given (through an auth file, never a command line) and never logs them;
// without credentials it stops with a message saying the registry refused.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createBuildahBuilder } from '../../src/build/buildah-builder.ts';
import { inspectImage } from '../../src/build/image-inspect.ts';
import { writeAuthFile } from '../../src/build/registry-auth.ts';
import { ensureImage } from '../../src/build/podman-test-run.ts';
import { execFileSync } from 'node:child_process';
import { BASE_IMAGE, containersAvailable, ensureBaseImage, removeBuiltImages, startRegistry, type LoopbackRegistry } from '../support/containers.ts';
import type { Repo } from './fixture.ts';
import { addNumbersRepo } from './image-fixture.ts';

const available = containersAvailable('buildah registry credentials');
const run = available ? test : test.skip;
const password = `pw-${randomBytes(8).toString('hex')}`;
const credentials = { username: 'ci-bot', password };
const suffix = randomBytes(4).toString('hex');

let registry: LoopbackRegistry | null = null;
const repos: Repo[] = [];
const logs: string[] = [];
let pushed: string | null = null;

test.before(async () => {
  if (!available) return;
  await ensureBaseImage();
  registry = await startRegistry({ users: { 'ci-bot': password } });
});

test.after(async () => {
  if (registry !== null) await removeBuiltImages(registry.address, logs).catch(() => undefined);
  for (const repo of repos) repo.remove();
  await registry?.stop();
});

run('with credentials the image is pushed; the password is in no log', async () => {
  const fixture = addNumbersRepo(`authed-${suffix}`, 'unused');
  repos.push(fixture.repo);
  const builder = createBuildahBuilder({ stateDir: fixture.repo.stateDir, registry: registry!.address, baseImage: BASE_IMAGE, pull: 'never', credentials });
  const outcome = await builder.build({ root: fixture.repo.root, model: fixture.model, key: fixture.key(), number: 1 });
  logs.push(outcome.logPath);
  assert.ok(outcome.ok, outcome.ok ? '' : `${outcome.message}\n${outcome.errorTail}`);
  if (!outcome.ok) return;
  const auth = await writeAuthFile(registry!.address, credentials);
  try {
    const found = await inspectImage(outcome.artifact, { tlsVerify: false, authArgs: ['--authfile', auth.path] });
    assert.ok(found.found === true, 'the registry has the image');
    if (found.found === true) assert.is(found.image.digest, outcome.digest);
    pushed = outcome.artifact;
  } finally {
    await auth.remove();
  }
  assert.not.match(readFileSync(outcome.logPath, 'utf8'), password);
});

run('without credentials the registry refuses, and the build says so before building', async () => {
  const fixture = addNumbersRepo(`anonymous-${suffix}`, 'unused');
  repos.push(fixture.repo);
  const builder = createBuildahBuilder({ stateDir: fixture.repo.stateDir, registry: registry!.address, baseImage: BASE_IMAGE, pull: 'never' });
  const outcome = await builder.build({ root: fixture.repo.root, model: fixture.model, key: fixture.key(), number: 1 });
  logs.push(outcome.logPath);
  assert.not.ok(outcome.ok);
  if (outcome.ok) return;
  assert.match(outcome.message, `cannot ask the registry for ${registry!.address}/`);
  assert.match(outcome.message.toLowerCase(), /unauthorized|authentication required/);
});

run('a deployed image is pulled for a diff with the same credentials, through an auth file', async () => {
  assert.ok(pushed, 'the first test pushed an image');
  // Gone from this machine's storage, so podman has to pull it from the registry that needs a login.
  execFileSync('podman', ['rmi', '--force', pushed!], { stdio: 'ignore' });
  const anonymous = await ensureImage(pushed!, { tlsVerify: false });
  assert.not.ok(anonymous.ok, 'without credentials the registry refuses the pull');
  if (!anonymous.ok) assert.match(anonymous.reason.toLowerCase(), /unauthorized|authentication required|denied/);
  const lines: string[] = [];
  const authed = await ensureImage(pushed!, { tlsVerify: false, credentials, log: (line) => lines.push(line) });
  assert.ok(authed.ok, authed.ok ? '' : authed.reason);
  assert.not.match(lines.join('\n'), password);
});

test.run();
