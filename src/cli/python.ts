// `slipway python -- train.py ...`: runs a script as a CML session or job would, with the runtime's
// `cdsw` and `cml` modules importable and the project's (or a model's) variables set, in the
// working directory it is started from. With a daemon running, the SDK's gateway calls reach it.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { readDaemonInfo } from '../daemon/daemon-info.ts';
import { resolveEnv } from '../backends/local/resolve-env.ts';
import { packagePath } from '../package-paths.ts';
import { DEFAULT_PYTHON, probeInterpreter } from '../source/interpreter-probe.ts';
import { formatIssues } from '../spec/format.ts';
import { loadSpec } from '../spec/load.ts';
import { toEnvValues, type RawEnvValue } from '../spec/merge-env.ts';
import type { EnvValue } from '../spec/types.ts';
import { parseYaml } from '../spec/yaml-source.ts';
import { CliError } from './cli-error.ts';
import { openWorkspace, type Workspace } from '../workspace/workspace.ts';

type Options = { model?: string; file?: string; python?: string };

/** Registers `slipway python`. */
export function registerPython(program: Command): void {
  program
    .command('python')
    .description('run python with the Slipway runtime (cdsw, cml) importable and the project\'s or a model\'s env: slipway python [--model NAME] -- train.py [args]')
    .argument('[args...]', 'what python3 gets: a script and its arguments, after --')
    .option('--model <name>', 'use this model\'s env (global < project < model) instead of the project\'s')
    .option('-f, --file <path>', 'the models file (default: the nearest models.yaml)')
    .option('--python <path>', 'the interpreter to run (default: the model\'s build.python with --model, else python3)')
    .action(async (args: string[], opts: Options) => {
      const ws = await openWorkspace({ file: opts.file, needModels: false });
      const declared = await declaredSettings(ws, opts.model);
      const resolved = resolveEnv(declared.env, process.env);
      if (!resolved.ok) {
        throw new CliError(`${resolved.missing.join(', ')} ${resolved.missing.length === 1 ? 'is' : 'are'} not set: ${ws.display} reads ${resolved.missing.length === 1 ? 'it' : 'them'} from the environment (fromEnv); set ${resolved.missing.length === 1 ? 'it' : 'them'} and run again`);
      }
      const env: NodeJS.ProcessEnv = { ...process.env, ...resolved.env };
      const runtimeDir = packagePath('runtime', 'python');
      // As for replicas: the runtime first, then a PYTHONPATH the env declares (or the caller's).
      const declaredPath = env.PYTHONPATH;
      env.PYTHONPATH = declaredPath ? `${runtimeDir}${path.delimiter}${declaredPath}` : runtimeDir;
      const daemon = readDaemonInfo(ws.root);
      if (daemon !== null && env.SLIPWAY_GATEWAY_URL === undefined) env.SLIPWAY_GATEWAY_URL = `http://${daemon.host}:${daemon.port}`;
      const python = opts.python ?? (await interpreterCommand(declared.python, ws.root));
      process.exitCode = await run(python, args, env);
    });
}

type Declared = { env: Record<string, EnvValue>; python: string | null };

/**
 * The variables the script gets, the model's (merged as its replicas get them) or the project's,
 * and the interpreter the model declares (`build.python`), if any.
 */
async function declaredSettings(ws: Workspace, model: string | undefined): Promise<Declared> {
  if (!fs.existsSync(ws.modelsFile)) {
    if (model !== undefined) throw new CliError(`--model ${model}: no models file (${ws.display}); give its path with -f`);
    return { env: {}, python: null };
  }
  const loaded = await loadSpec(ws.modelsFile, { root: ws.root, displayPath: ws.display, checkFunctions: false });
  if (!loaded.ok) {
    process.stderr.write(`${formatIssues(loaded.errors)}\n`);
    throw new CliError(`${ws.display} has problems (above); fix them, or check with \`slipway validate\``);
  }
  if (model !== undefined) {
    const found = loaded.spec.models.find((m) => m.name === model);
    if (found === undefined) {
      throw new CliError(`no model ${model} in ${ws.display} (models: ${loaded.spec.models.map((m) => m.name).join(', ') || 'none'})`);
    }
    return { env: found.serving.env, python: found.build.python ?? null };
  }
  // The loader merges the project's env into each model's; the project's own is the file's `env`.
  const parsed = parseYaml(fs.readFileSync(ws.modelsFile, 'utf8'));
  const data = parsed.ok ? (parsed.source.data as { env?: Record<string, RawEnvValue> }) : {};
  return { env: toEnvValues(data.env, { env: process.env }), python: null };
}

/** What to run for a declared `build.python` (a version becomes the interpreter found for it). */
async function interpreterCommand(declared: string | null, root: string): Promise<string> {
  if (declared === null) return DEFAULT_PYTHON;
  const probed = await probeInterpreter(declared, root);
  if (!probed.ok) throw new CliError(`build.python ${JSON.stringify(declared)}: ${probed.message}`);
  return probed.command;
}

/** Runs the interpreter with the terminal's stdio; resolves to its exit code (128 + n for a signal). */
function run(python: string, args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(python, args, { stdio: 'inherit', env });
    // Ctrl-C reaches the child through the terminal; a signal sent to slipway alone is passed on.
    const forward = (signal: NodeJS.Signals): void => void child.kill(signal);
    process.on('SIGTERM', forward).on('SIGINT', forward);
    child.on('error', (error: NodeJS.ErrnoException) => {
      reject(new CliError(error.code === 'ENOENT' ? `${python} not found; give the interpreter with --python` : `cannot run ${python}: ${error.message}`));
    });
    child.on('close', (code, signal) => {
      process.off('SIGTERM', forward).off('SIGINT', forward);
      resolve(code ?? 128 + (signal === null ? 0 : signalNumber(signal)));
    });
  });
}

function signalNumber(signal: NodeJS.Signals): number {
  return ({ SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGTERM: 15 } as Record<string, number>)[signal] ?? 1;
}
