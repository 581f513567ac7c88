// Which interpreter a model's `build.python` names, and what it is: resolved once per distinct
// declaration per plan (a probe is one short python process), so a thousand models on one
// interpreter cost one probe.
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { packagePath } from '../package-paths.ts';
import type { InterpreterIdentity } from './types.ts';

/** The interpreter of a model that declares none. */
export const DEFAULT_PYTHON = 'python3';

/** `command` is what to run: the declaration, or what a version resolved to (a wrapper stays a wrapper). */
export type ProbeResult = { ok: true; identity: InterpreterIdentity; command: string } | { ok: false; message: string };

const scriptPath = packagePath('src', 'source', 'interpreter-fingerprint.py');
const VERSION = /^\d+(\.\d+){0,2}$/;

/**
 * The commands to try for a declaration: a path or command as it is; a version as
 * `python<major.minor>` on PATH, then pyenv's installs of that version (newest first).
 */
export function candidates(declared: string, env: NodeJS.ProcessEnv = process.env): string[] {
  if (!VERSION.test(declared)) return [declared];
  const [major, minor] = declared.split('.');
  const found = minor === undefined ? [`python${major}`] : [`python${major}.${minor}`];
  const pyenv = path.join(env.PYENV_ROOT || path.join(env.HOME || '/root', '.pyenv'), 'versions');
  if (existsSync(pyenv)) {
    const versions = readdirSync(pyenv)
      .filter((name) => name === declared || name.startsWith(`${declared}.`))
      .sort((a, b) => b.localeCompare(a, undefined, { numeric: true }));
    for (const version of versions) found.push(path.join(pyenv, version, 'bin', 'python3'));
  }
  return found;
}

function run(command: string, cwd: string): Promise<InterpreterIdentity | string> {
  return new Promise((resolve) => {
    execFile(command, ['-E', '-s', scriptPath], { cwd, timeout: 60_000, encoding: 'utf8' }, (error, stdout, stderr) => {
      if (error !== null) {
        const code = (error as NodeJS.ErrnoException).code;
        resolve(code === 'ENOENT' ? 'not found' : (stderr.trim().split('\n').pop() ?? '') || error.message);
        return;
      }
      try {
        const parsed = JSON.parse(stdout) as InterpreterIdentity;
        resolve({ executable: parsed.executable, version: parsed.version, packages: parsed.packages });
      } catch {
        resolve(`printed no identity (${stdout.slice(0, 80)})`);
      }
    });
  });
}

/** Resolves and fingerprints `declared`, run in `cwd` (a pyenv shim picks its version by folder). */
export async function probeInterpreter(declared: string, cwd: string): Promise<ProbeResult> {
  const tried: string[] = [];
  for (const command of candidates(declared)) {
    const got = await run(command, cwd);
    if (typeof got === 'string') {
      tried.push(`${command}: ${got}`);
      continue;
    }
    if (VERSION.test(declared) && got.version !== declared && !got.version.startsWith(`${declared}.`)) {
      tried.push(`${command} is Python ${got.version}`);
      continue;
    }
    return { ok: true, identity: got, command };
  }
  return {
    ok: false,
    message: `build.python "${declared}" names no usable Python interpreter (${tried.join('; ')}); declare a path such as /usr/bin/python3, a command on PATH, or a version that is installed`,
  };
}
