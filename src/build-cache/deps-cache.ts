// The shared build cache for dependency folders. Installing a model's requirements and running its
// build script is the slow part of a build, and what two machines following one branch would both
// do: the cache lets the first push `.slipway/deps/<hash>/` (venv, work copy, marker) to an OCI
// registry as an artifact, `<cache>/deps:<hash>`, and every other machine pull it instead. The hash
// names everything the folder was made from (interpreter executable, version and packages,
// requirements, build script), so a pull is only ever for the same inputs; the model's own files
// never come from the cache, they are written from git on every machine (the build key).
import { randomBytes } from 'node:crypto';
import { access, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { runStep, type StepResult } from '../build/run-step.ts';
import { stepLimitSeconds, type StepLimits } from '../build/step-limits.ts';
import type { CacheRef } from './cache-ref.ts';
import { readArtifactLayout, writeArtifactLayout, LAYOUT_TAG } from './oci-artifact.ts';
import { relocateFolder } from './relocate.ts';

export const DEPS_ARTIFACT_TYPE = 'application/vnd.slipway.deps.v1';
const HASH_ANNOTATION = 'dev.slipway.deps-hash';
const FOLDER_ANNOTATION = 'dev.slipway.folder';

export interface DepsCache {
  /** Where it is, for messages. */
  readonly repository: string;
  /**
   * Pulls the deps of `hash` into `folder` (absent or incomplete before); true when `folder` now
   * holds them. Anything that goes wrong is a line and `false`: the caller installs them itself.
   */
  pull(hash: string, folder: string, line: (text: string) => void, signal?: AbortSignal): Promise<boolean>;
  /** Pushes the complete deps folder of `hash` unless the cache has it. Failures are a line, never an error. */
  push(hash: string, folder: string, line: (text: string) => void, signal?: AbortSignal): Promise<void>;
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/** The deps cache in the registry `ref`; external steps have the `skopeo` time limit. */
export function createDepsCache(ref: CacheRef, options: { stepTimeouts?: StepLimits } = {}): DepsCache {
  const reference = (hash: string) => `docker://${ref.repository}/deps:${hash}`;
  const run = (command: string, args: string[], line: (text: string) => void, signal?: AbortSignal): Promise<StepResult> =>
    runStep(command, args, { cwd: '/', env: process.env, tag: 'cache', line, keepOutput: true, signal, timeoutSeconds: stepLimitSeconds('skopeo', options.stepTimeouts) });
  const tls = (flag: string) => `--${flag}-tls-verify=${ref.tlsVerify}`;
  const missing = (step: StepResult) => step.output.some((text) => /manifest unknown|not found|name unknown/i.test(text));

  return {
    repository: ref.repository,
    async pull(hash, folder, line, signal) {
      const scratch = `${folder}.pull-${randomBytes(6).toString('hex')}`;
      const quiet = () => {};
      try {
        await mkdir(scratch, { recursive: true });
        const layout = join(scratch, 'layout');
        const copied = await run('skopeo', ['copy', '--quiet', tls('src'), reference(hash), `oci:${layout}:${LAYOUT_TAG}`], quiet, signal);
        if (copied.code !== 0) {
          line(missing(copied) ? `dependencies ${hash.slice(0, 12)} are not in the build cache ${ref.repository}` : `the build cache ${ref.repository} could not be read (${copied.output.at(-1) ?? `skopeo exited ${copied.code}`}): installing here`);
          return false;
        }
        const artifact = await readArtifactLayout(layout, DEPS_ARTIFACT_TYPE);
        if (!artifact.ok || artifact.annotations[HASH_ANNOTATION] !== hash) {
          line(`the build cache's deps:${hash.slice(0, 12)} is not usable (${artifact.ok ? `it is for ${artifact.annotations[HASH_ANNOTATION] ?? 'no hash'}` : artifact.message}): installing here`);
          return false;
        }
        const unpacked = join(scratch, 'deps');
        await mkdir(unpacked);
        const tar = await run('tar', ['-xzf', artifact.layer, '-C', unpacked, '--no-same-owner'], quiet, signal);
        const marker = await readFile(join(unpacked, 'complete.json'), 'utf8').then((text) => JSON.parse(text) as Record<string, unknown>, () => null);
        if (tar.code !== 0 || marker?.hash !== hash) {
          line(`the build cache's deps:${hash.slice(0, 12)} did not unpack into a complete deps folder: installing here`);
          return false;
        }
        const relocated = await relocateFolder(unpacked, artifact.annotations[FOLDER_ANNOTATION] ?? '', folder);
        marker.pulled = { from: `${ref.repository}/deps:${hash}`, at: new Date().toISOString(), relocated };
        await writeFile(join(unpacked, 'complete.json'), `${JSON.stringify(marker, null, 2)}\n`);
        await rm(folder, { recursive: true, force: true });
        await rename(unpacked, folder);
        line(`pulled dependencies ${hash.slice(0, 12)} from the build cache ${ref.repository} (nothing installed here)`);
        return true;
      } catch (error) {
        line(`pulling dependencies from the build cache failed (${(error as Error).message}): installing here`);
        return false;
      } finally {
        await rm(scratch, { recursive: true, force: true });
      }
    },
    async push(hash, folder, line, signal) {
      const quiet = () => {};
      const known = await run('skopeo', ['inspect', '--raw', `--tls-verify=${ref.tlsVerify}`, reference(hash)], quiet, signal);
      if (known.code === 0) return line(`dependencies ${hash.slice(0, 12)} are in the build cache already`);
      const scratch = join(dirname(folder), `.push-${hash.slice(0, 12)}-${randomBytes(6).toString('hex')}`);
      try {
        await mkdir(scratch, { recursive: true });
        const parts: string[] = [];
        for (const name of ['venv', 'library', 'work', 'complete.json']) if (await exists(join(folder, name))) parts.push(name);
        const layer = join(scratch, 'layer.tar.gz');
        const tar = await run('tar', ['-czf', layer, '--sort=name', '-C', folder, ...parts], quiet, signal);
        if (tar.code !== 0) return line(`could not pack dependencies ${hash.slice(0, 12)} for the build cache (${tar.output.at(-1) ?? `tar exited ${tar.code}`})`);
        const layout = join(scratch, 'layout');
        await writeArtifactLayout(layout, {
          artifactType: DEPS_ARTIFACT_TYPE,
          layerTarGz: layer,
          annotations: { [HASH_ANNOTATION]: hash, [FOLDER_ANNOTATION]: folder, 'org.opencontainers.image.created': new Date().toISOString() },
        });
        const pushed = await run('skopeo', ['copy', '--quiet', tls('dest'), `oci:${layout}:${LAYOUT_TAG}`, reference(hash)], quiet, signal);
        line(
          pushed.code === 0
            ? `pushed dependencies ${hash.slice(0, 12)} to the build cache ${ref.repository}`
            : `could not push dependencies ${hash.slice(0, 12)} to the build cache (${pushed.output.at(-1) ?? `skopeo exited ${pushed.code}`}); the build itself succeeded`,
        );
      } catch (error) {
        line(`could not push dependencies to the build cache (${(error as Error).message}); the build itself succeeded`);
      } finally {
        await rm(scratch, { recursive: true, force: true });
      }
    },
  };
}
