// Runs the real `slipway` CLI as a child process, the way a person or CI does.
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const main = path.resolve(import.meta.dirname, '../../src/cli/main.ts');

export type CliRun = { status: number | null; stdout: string; stderr: string };

/** `slipway ...args` in `cwd`, with Node 24 (the running one) and no colour. */
export function slipway(cwd: string, args: string[], env: NodeJS.ProcessEnv = {}): CliRun {
  const result = spawnSync(process.execPath, [main, ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', ...env },
    timeout: 120_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}
