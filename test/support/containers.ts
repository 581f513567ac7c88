// Real container tooling for image tests: a Python base image made offline with debootstrap (once,
// cached as a rootfs tarball), a registry on loopback (Debian's docker-registry), and cleanup of
// what the tests leave in the shared buildah/podman storage.
//
// The base image has python3 and python3-pip (Debian's, so `pip install -r` works offline with
// local wheels; there is no PyPI here) and ca-certificates. It is `localhost/base/python:3.11-bookworm`
// in local storage; when it is gone the cached tarball is imported again (~7 s), and when the
// tarball is gone debootstrap runs (~40 s). Cache folder: $SLIPWAY_TEST_CACHE, else
// $XDG_CACHE_HOME/slipway-test, else ~/.cache/slipway-test.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { withLock } from '../../src/build/deps-lock.ts';
import { randomInt } from 'node:crypto';

export const BASE_IMAGE = 'localhost/base/python:3.11-bookworm';
const BASE_PACKAGES = 'python3,python3-pip,ca-certificates';
// Named for what is in it, so changing the package list makes a new tarball.
const TARBALL = 'base-python3-pip-bookworm-v1.tar.gz';
const TOOLS = ['buildah', 'podman', 'skopeo', 'docker-registry', 'debootstrap', 'runc'];

type Run = { code: number; stdout: string; stderr: string };

/** Runs `command args`, never rejecting. */
export function run(command: string, args: string[], timeoutMs = 600_000): Promise<Run> {
  return new Promise((resolve) => {
    execFile(command, args, { encoding: 'utf8', maxBuffer: 64 << 20, timeout: timeoutMs }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 127;
      resolve({ code, stdout, stderr: error !== null && stderr === '' ? error.message : stderr });
    });
  });
}

async function mustRun(command: string, args: string[]): Promise<string> {
  const result = await run(command, args);
  if (result.code !== 0) {
    const tail = `${result.stdout}\n${result.stderr}`.trim().split('\n').slice(-15).join('\n');
    throw new Error(`${command} ${args.join(' ')} exited with ${result.code}:\n${tail}`);
  }
  return result.stdout;
}

function onPath(command: string): boolean {
  return (process.env.PATH ?? '').split(':').some((folder) => folder !== '' && existsSync(join(folder, command)));
}

/**
 * Whether the container tools are here. In CI (`CI=true`) a missing tool throws, failing the
 * suite; elsewhere the suite is skipped with a loud message naming what to install.
 */
export function containersAvailable(suite: string): boolean {
  const missing = TOOLS.filter((tool) => !onPath(tool) && !existsSync(`/usr/sbin/${tool}`));
  const problems: string[] = [];
  if (missing.length > 0) problems.push(`missing ${missing.join(', ')} (apt-get install -y buildah podman runc docker-registry debootstrap skopeo)`);
  // debootstrap and buildah's chroot isolation need root; rootless setups are not covered here.
  if (process.getuid?.() !== 0) problems.push('not running as root (debootstrap and chroot builds need it)');
  if (problems.length === 0) return true;
  const message = `${suite}: ${problems.join('; ')}`;
  if (process.env.CI === 'true') throw new Error(`${message}. CI must run these tests; .ci/run installs the tools.`);
  console.warn(`\n!!! SKIPPING ${message}\n`);
  return false;
}

function cacheDir(): string {
  if (process.env.SLIPWAY_TEST_CACHE) return process.env.SLIPWAY_TEST_CACHE;
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'slipway-test');
}

async function makeTarball(path: string, log: (line: string) => void, packages: string = BASE_PACKAGES): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'slipway-debootstrap-'));
  const rootfs = join(work, 'rootfs');
  const mirror = process.env.SLIPWAY_DEBIAN_MIRROR || 'http://deb.debian.org/debian';
  try {
    log(`debootstrap bookworm (${packages}) from ${mirror}; runs once, then the tarball is cached at ${path}`);
    await mustRun('debootstrap', ['--variant=minbase', `--include=${packages}`, 'bookworm', rootfs, mirror]);
    for (const folder of ['var/cache/apt/archives', 'var/lib/apt/lists']) {
      rmSync(join(rootfs, folder), { recursive: true, force: true });
      mkdirSync(join(rootfs, folder, 'partial'), { recursive: true });
    }
    await mustRun('tar', ['-C', rootfs, '-czf', `${path}.tmp`, '.']);
    renameSync(`${path}.tmp`, path);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** A base image made from a debootstrap tarball: its name, packages, cached tarball and command. */
type BaseImageSpec = { image: string; packages: string; tarball: string; cmd: string };

const imagesReady = new Map<string, Promise<void>>();

/** Makes sure `spec.image` is in local storage, building or importing it as needed. */
function ensureImage(spec: BaseImageSpec, log: (line: string) => void): Promise<void> {
  const pending =
    imagesReady.get(spec.image) ??
    (async () => {
      if ((await run('podman', ['image', 'exists', spec.image])).code === 0) return;
      const cache = cacheDir();
      mkdirSync(cache, { recursive: true });
      const tarball = join(cache, spec.tarball);
      await withLock(`${tarball}.lock`, () => log(`waiting for another test process making ${spec.image}`), async () => {
        if ((await run('podman', ['image', 'exists', spec.image])).code === 0) return;
        if (!existsSync(tarball)) await makeTarball(tarball, log, spec.packages);
        log(`importing ${tarball} as ${spec.image}`);
        const container = (await mustRun('buildah', ['from', 'scratch'])).trim();
        try {
          await mustRun('buildah', ['add', container, tarball, '/']);
          await mustRun('buildah', ['config', '--env', 'PATH=/usr/local/bin:/usr/bin:/bin', '--cmd', spec.cmd, container]);
          await mustRun('buildah', ['commit', '--rm', container, spec.image]);
        } catch (error) {
          await run('buildah', ['rm', container]);
          throw error;
        }
      });
    })();
  imagesReady.set(spec.image, pending);
  pending.catch(() => imagesReady.delete(spec.image));
  return pending;
}

/** Makes sure `BASE_IMAGE` is in local storage, building or importing it as needed. */
export function ensureBaseImage(log: (line: string) => void = (line) => console.log(`[containers] ${line}`)): Promise<void> {
  return ensureImage({ image: BASE_IMAGE, packages: BASE_PACKAGES, tarball: TARBALL, cmd: 'python3' }, log);
}

/**
 * An R base image (R, jsonlite, httpuv from Debian) for the R image test only: kept apart so the
 * Python base image every other image test uses stays small.
 */
export const R_BASE_IMAGE = 'localhost/base/r:4.2-bookworm';

/** Makes sure `R_BASE_IMAGE` is in local storage (debootstrap once, then the cached tarball). */
export function ensureRBaseImage(log: (line: string) => void = (line) => console.log(`[containers] ${line}`)): Promise<void> {
  return ensureImage({ image: R_BASE_IMAGE, packages: 'r-base-core,r-cran-jsonlite,r-cran-httpuv,ca-certificates', tarball: 'base-r-bookworm-v1.tar.gz', cmd: 'R' }, log);
}

/**
 * A "CML engine" image for the imported CML project's image test only: Python with numpy
 * preinstalled (Debian's python3-numpy), as CML engine images have it, so the project's
 * requirements.txt (`numpy`) is satisfied without a package index. Kept apart from `BASE_IMAGE`.
 */
export const CML_ENGINE_IMAGE = 'localhost/base/cml-engine:python3-numpy-bookworm';

/** Makes sure `CML_ENGINE_IMAGE` is in local storage (debootstrap once, then the cached tarball). */
export function ensureCmlEngineImage(log: (line: string) => void = (line) => console.log(`[containers] ${line}`)): Promise<void> {
  return ensureImage({ image: CML_ENGINE_IMAGE, packages: 'python3,python3-pip,python3-numpy,ca-certificates', tarball: 'base-cml-engine-numpy-bookworm-v1.tar.gz', cmd: 'python3' }, log);
}


export type LoopbackRegistry = {
  /** `127.0.0.1:<port>`: use as a registry setting or in `docker://` references. */
  address: string;
  /** Its filesystem storage (`docker/registry/v2/repositories/<name>/…`): a test may remove a repository there. */
  dataDir: string;
  stop(): Promise<void>;
};

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
}

const REGISTRY_TRIES = 5;

/**
 * Starts `docker-registry serve` on a loopback port with its storage in a temp folder; with
 * `users`, it asks for those credentials (htpasswd, bcrypt via apache2-utils' `htpasswd -B`).
 * The registry takes its address from its config file and cannot listen on port 0 and say which
 * port it got, so it is started on a random port and, when that one is in use, on another.
 */
export async function startRegistry(options: { users?: Record<string, string> } = {}): Promise<LoopbackRegistry> {
  for (let attempt = 1; ; attempt++) {
    const started = await startRegistryOn(randomInt(20_000, 60_000), options);
    if (started.ok) return started.registry;
    if (!started.portTaken || attempt === REGISTRY_TRIES) throw new Error(started.message);
  }
}

async function startRegistryOn(
  port: number,
  options: { users?: Record<string, string> },
): Promise<{ ok: true; registry: LoopbackRegistry } | { ok: false; portTaken: boolean; message: string }> {
  const folder = mkdtempSync(join(tmpdir(), 'slipway-registry-'));
  const address = `127.0.0.1:${port}`;
  const config = join(folder, 'config.yml');
  const auth: string[] = [];
  if (options.users) {
    const htpasswd = join(folder, 'htpasswd');
    const lines: string[] = [];
    for (const [user, password] of Object.entries(options.users)) {
      const made = await run('htpasswd', ['-Bbn', user, password], 30_000);
      if (made.code !== 0) throw new Error(`htpasswd failed (apt-get install apache2-utils): ${made.stderr}`);
      lines.push(made.stdout.trim());
    }
    writeFileSync(htpasswd, `${lines.join('\n')}\n`);
    auth.push('auth:', '  htpasswd:', '    realm: slipway-test', `    path: ${htpasswd}`);
  }
  writeFileSync(
    config,
    ['version: 0.1', 'log:', '  level: error', '  accesslog:', '    disabled: true', 'storage:', '  filesystem:', `    rootdirectory: ${join(folder, 'data')}`, 'http:', `  addr: ${address}`, ...auth, ''].join('\n'),
  );
  const child = spawn('docker-registry', ['serve', config], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk: Buffer) => (output = (output + chunk.toString('utf8')).slice(-4000));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited(child);
      clearTimeout(killer);
    }
    rmSync(folder, { recursive: true, force: true });
  };
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) break;
    const up = await fetch(`http://${address}/v2/`).then((response) => response.status === 200 || response.status === 401, () => false);
    if (up) return { ok: true, registry: { address, dataDir: join(folder, 'data'), stop } };
    await sleep(100);
  }
  await stop();
  return { ok: false, portTaken: /address already in use/i.test(output), message: `docker-registry did not start on ${address}:\n${output}` };
}

/**
 * The images a build created (not those it took from the cache), read from its log: buildah prints
 * `--> <id>` after each step, preceded by `--> Using cache <id>` when the layer already existed.
 */
export function createdImages(log: string): string[] {
  const lines = log.split('\n').map((line) => line.replace(/^\S+ \[buildah\] /, ''));
  const created: string[] = [];
  lines.forEach((line, index) => {
    const id = /^--> ([0-9a-f]{8,64})$/.exec(line);
    if (id !== null && !/^--> Using cache /.test(lines[index - 1] ?? '')) created.push(id[1]!);
  });
  return created;
}

/**
 * Removes what the tests built and nothing else, so test runs on the same machine (several helpers,
 * CI jobs) do not remove each other's images: the tags under `registry` (a test's own loopback
 * registry) and the images the builds logged in `logs` created. No `--force`: an image another
 * build has started using since stays.
 */
export async function removeBuiltImages(registry: string, logs: string[]): Promise<void> {
  const tags = (await run('podman', ['images', '--filter', `reference=${registry}/*`, '--format', '{{.Repository}}:{{.Tag}}'])).stdout
    .split('\n')
    .filter((line) => line.trim() !== '');
  if (tags.length > 0) await run('podman', ['rmi', ...tags]);
  // Newest first, so children go before their parents; a second pass takes what the first could not.
  let ids = logs.flatMap((path) => (existsSync(path) ? createdImages(readFileSync(path, 'utf8')) : [])).reverse();
  for (let pass = 0; pass < 2 && ids.length > 0; pass++) {
    if ((await run('podman', ['rmi', ...ids])).code === 0) return;
    const present = (await run('podman', ['images', '--all', '--quiet', '--no-trunc'])).stdout;
    ids = ids.filter((id) => present.includes(id));
  }
}

/** Names of test-run containers of `model` still present (should be none after a test). */
export async function leftoverTestContainers(model: string): Promise<string[]> {
  const out = await mustRun('podman', ['ps', '--all', '--filter', `label=dev.slipway.model=${model}`, '--filter', 'label=dev.slipway.test-run=true', '--format', '{{.Names}}']);
  return out.split('\n').filter((line) => line.trim() !== '');
}
