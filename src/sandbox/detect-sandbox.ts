// Which launcher this machine can give replicas: bubblewrap when it can create its namespaces
// here (tried once per process, with the same flags replicas get), else none, with the reason.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { bubblewrapLauncher, sandboxArguments } from './bubblewrap-launcher.ts';
import type { ReplicaLauncher } from './launcher.ts';

export type SandboxAvailability = { ok: true; launcher: ReplicaLauncher } | { ok: false; reason: string };

/** `SLIPWAY_SANDBOX=none` turns the sandbox off for deployed models (candidates still refuse). */
export const SANDBOX_VARIABLE = 'SLIPWAY_SANDBOX';

let cached: SandboxAvailability | undefined;

/** The sandbox this machine allows, or why there is none. */
export function detectSandbox(env: NodeJS.ProcessEnv = process.env): SandboxAvailability {
  if (env[SANDBOX_VARIABLE] === 'none') return { ok: false, reason: `${SANDBOX_VARIABLE}=none is set` };
  cached ??= probe(env.PATH ?? '');
  return cached;
}

function probe(searchPath: string): SandboxAvailability {
  const bwrap = [...searchPath.split(path.delimiter).filter(Boolean), '/usr/bin']
    .map((dir) => path.join(dir, 'bwrap'))
    .find((file) => existsSync(file));
  if (!bwrap) return { ok: false, reason: 'bubblewrap (bwrap) is not installed: apt-get install bubblewrap' };
  const args = sandboxArguments({ buildDir: '/usr', python: '/usr/bin/true', runtimeDir: '/usr', policy: { network: false, paths: [] } });
  try {
    execFileSync(bwrap, [...args, '--', '/usr/bin/true'], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 10_000 });
    return { ok: true, launcher: bubblewrapLauncher(bwrap) };
  } catch (error) {
    const stderr = String((error as { stderr?: Buffer }).stderr ?? '').trim().split('\n').pop() || (error as Error).message;
    return { ok: false, reason: `bubblewrap cannot create its namespaces here (${stderr}); allow unprivileged user namespaces, or run as root` };
  }
}
