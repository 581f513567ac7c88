// A candidate image is a pull request's code: podman runs it without the host's network, and its
// runtime serves on a Unix socket in a private folder mounted into the container, the only way in.
// The model here tries to reach a TCP server on the host's loopback (as it would the daemon, the
// metrics store or PostgreSQL): refused by default, reached when the model is allowed network, so
// the test can tell the two apart.
import { randomBytes } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createBuildahBuilder } from '../../src/build/buildah-builder.ts';
import { startImageReplica, type ImageReplica } from '../../src/build/podman-test-run.ts';
import { replicaAddress } from '../../src/gateway/replica-origin.ts';
import { BASE_IMAGE, containersAvailable, ensureBaseImage, leftoverTestContainers, removeBuiltImages, startRegistry, type LoopbackRegistry } from '../support/containers.ts';
import { addNumbersRepo, type ImageModel } from './image-fixture.ts';

const available = containersAvailable('podman candidate isolation tests');
const run = available ? test : test.skip;

// Tries the host's loopback port it is given; says whether it got through and, if not, why.
const PROBE = `import socket

def predict(args):
    try:
        socket.create_connection(("127.0.0.1", args["port"]), timeout=3).close()
        return {"reached": True}
    except OSError as error:
        return {"reached": False, "error": type(error).__name__}
`;

let registry: LoopbackRegistry | null = null;
let fixture: ImageModel | null = null;
let image = '';
let host: Server | null = null;
let hostPort = 0;
let accepted = 0;
const logs: string[] = [];

test.before(async () => {
  if (!available) return;
  await ensureBaseImage();
  registry = await startRegistry();
  host = createServer((socket) => {
    accepted++;
    socket.end();
  });
  await new Promise<void>((resolve) => host!.listen(0, '127.0.0.1', resolve));
  hostPort = (host.address() as { port: number }).port;
  fixture = addNumbersRepo(`isolated-${randomBytes(4).toString('hex')}`, 'unused');
  fixture.repo.write('m/predict.py', PROBE);
  const builder = createBuildahBuilder({ stateDir: fixture.repo.stateDir, registry: registry.address, baseImage: BASE_IMAGE, pull: 'never' });
  const built = await builder.build({ root: fixture.repo.root, model: fixture.model, key: fixture.key(), number: 1 });
  logs.push(built.logPath);
  if (!built.ok) throw new Error(`${built.message}\n${built.errorTail}`);
  image = built.artifact;
});

test.after(async () => {
  if (registry !== null) await removeBuiltImages(registry.address, logs);
  fixture?.repo.remove();
  await registry?.stop();
  await new Promise((resolve) => (host ? host.close(resolve) : resolve(undefined)));
});

async function started(network?: boolean): Promise<ImageReplica> {
  const outcome = await startImageReplica(image, { model: fixture!.model.name, tlsVerify: false, ...(network === undefined ? {} : { network }) });
  if (!outcome.ok) throw new Error(`${outcome.message}\n${outcome.logs}`);
  return outcome.replica;
}

run('by default the candidate has no network and is reached only through a socket in a private folder', async () => {
  const replica = await started();
  let socketPath = '';
  try {
    const address = replicaAddress(replica.origin);
    assert.ok('socketPath' in address, `a socket, not ${replica.origin}`);
    if (!('socketPath' in address)) return;
    socketPath = address.socketPath;
    // The folder mounted into the container is open to the image's user; the one above it is this user's alone.
    const privateRoot = path.dirname(path.dirname(socketPath));
    assert.is(statSync(privateRoot).mode & 0o777, 0o700, `${privateRoot} is private`);
    assert.is(statSync(privateRoot).uid, process.getuid!());
    const before = accepted;
    const answer = await replica.call(fixture!.model.name, { port: hostPort });
    assert.equal(answer, { ok: true, response: { reached: false, error: answer.ok ? (answer.response as { error: string }).error : '' } });
    assert.is(accepted, before, 'the host server saw no connection');
  } finally {
    await replica.stop();
  }
  assert.not.ok(existsSync(path.dirname(path.dirname(socketPath))), 'the socket folder goes with the container');
  assert.equal(await leftoverTestContainers(fixture!.model.name), []);
});

run('a candidate allowed network (its model asks, not a fork) reaches the host, still through its socket', async () => {
  const replica = await started(true);
  try {
    assert.match(replica.origin, /^unix:\//);
    const before = accepted;
    const answer = await replica.call(fixture!.model.name, { port: hostPort });
    assert.equal(answer, { ok: true, response: { reached: true } });
    // The kernel completes the model's connect before this process's accept callback runs, so the
    // answer can arrive first: wait (a bounded while) for the server to see it.
    for (let i = 0; i < 50 && accepted === before; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    assert.is(accepted, before + 1);
  } finally {
    await replica.stop();
  }
});

test.run();
