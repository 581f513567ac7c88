// Checks that each model's `function` is defined at the top level of its file, without running the
// code: Python files are parsed with python3's `ast` (one process for all of them), R files with
// R's own parser (one Rscript for all of them, src/runtimes/r-function-check.ts). The same pass reads each Python file's imports, to check
// they stay inside the model's build (see import-check.ts).
import { spawn } from 'node:child_process';
import type { DataPath, Finding } from './data-path.ts';
import { didYouMean } from './did-you-mean.ts';
import { checkImports, type ImportScope, type ImportSite } from './import-check.ts';
import type { Runtime } from './types.ts';
import { packagePath } from '../package-paths.ts';
import { rTopLevelNames } from '../runtimes/r-function-check.ts';

export type FunctionTarget = {
  runtime: Runtime;
  /** Absolute path of the model file (already checked to exist inside the repository). */
  abs: string;
  /** The file as a repository path, for messages. */
  rel: string;
  function: string;
  /** Data path of the model, e.g. ['models', 3]. */
  model: DataPath;
  /** Where the model's build lies, to check its imports; absent: imports are not checked. */
  scope?: ImportScope;
};

type PythonNames =
  | { names: string[]; functions: string[]; starImport: boolean; imports?: ImportSite[] }
  | { syntaxError: { line: number; column: number; message: string } }
  | { readError: string };

const scriptPath = packagePath('src', 'spec', 'top-level-names.py');

/** Findings for every target whose function is missing or whose file does not parse. */
export async function checkFunctions(targets: FunctionTarget[], python = 'python3'): Promise<Finding[]> {
  const findings: Finding[] = await checkRTargets(targets.filter((t) => t.runtime === 'r'));
  const pythonTargets = targets.filter((t) => t.runtime === 'python3');
  if (pythonTargets.length === 0) return findings;
  const files = [...new Set(pythonTargets.map((t) => t.abs))];
  const result = await runPython(python, files);
  if (!result.ok) {
    findings.push({ path: [...pythonTargets[0].model, 'function'], message: result.message });
    return findings;
  }
  for (const target of pythonTargets) {
    const names = result.names[target.abs];
    const finding = checkPython(target, names);
    if (finding !== null) findings.push(finding);
    if (target.scope !== undefined && names !== undefined && 'imports' in names && names.imports !== undefined) {
      findings.push(...checkImports(target.scope, names.imports, target.rel, [...target.model, 'file']));
    }
  }
  return findings;
}

function checkPython(target: FunctionTarget, names: PythonNames | undefined): Finding | null {
  if (names === undefined) return null;
  if ('syntaxError' in names) {
    const { line, column, message } = names.syntaxError;
    return {
      path: [...target.model, 'file'],
      message: `${target.rel}:${line}:${column}: Python syntax error: ${message} (fix the file so function "${target.function}" can be found)`,
    };
  }
  if ('readError' in names) {
    return { path: [...target.model, 'file'], message: `cannot read ${target.rel}: ${names.readError}` };
  }
  // `from x import *` may bring the function in; only importing the module could tell.
  if (names.starImport || names.names.includes(target.function)) return null;
  return missing(target, names.functions, names.names);
}

/** The R targets' findings; without R, one finding (on the first R model) says so. */
async function checkRTargets(targets: FunctionTarget[]): Promise<Finding[]> {
  if (targets.length === 0) return [];
  const result = await rTopLevelNames([...new Set(targets.map((t) => t.abs))]);
  if (!result.ok) return [{ path: [...targets[0].model, 'runtime'], message: result.message }];
  const findings: Finding[] = [];
  for (const target of targets) {
    const names = result.names.get(target.abs);
    if (names === undefined) continue;
    if ('syntaxError' in names) {
      const { line, column, message } = names.syntaxError;
      findings.push({
        path: [...target.model, 'file'],
        message: `${target.rel}:${line}:${column}: R syntax error: ${message} (fix the file so function "${target.function}" can be found)`,
      });
    } else if ('readError' in names) {
      findings.push({ path: [...target.model, 'file'], message: `cannot read ${target.rel}: ${names.readError}` });
    } else if (!names.sources && !names.names.includes(target.function)) {
      // A file that source()s another may get the function from it; only running it could tell.
      findings.push(missing(target, names.functions, names.names));
    }
  }
  return findings;
}

function missing(target: FunctionTarget, functions: string[], names: string[]): Finding {
  const guess = didYouMean(target.function, functions.length > 0 ? functions : names);
  const hint = guess === undefined ? '' : `, did you mean "${guess}"?`;
  const listed = functions.length === 0 ? 'it defines no functions' : `functions there: ${shortList(functions)}`;
  return {
    path: [...target.model, 'function'],
    message: `function "${target.function}" is not defined at the top level of ${target.rel}${hint} (${listed})`,
  };
}

function shortList(names: string[]): string {
  return names.length <= 8 ? names.join(', ') : `${names.slice(0, 8).join(', ')}, ... (${names.length} in all)`;
}

type PythonResult = { ok: true; names: Record<string, PythonNames> } | { ok: false; message: string };

function runPython(python: string, files: string[]): Promise<PythonResult> {
  return new Promise((resolve) => {
    // -I -S: ignore PYTHON* variables, user site and site-packages; the script needs only the
    // standard library and starts faster without them.
    const child = spawn(python, ['-I', '-S', scriptPath], { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', (error: NodeJS.ErrnoException) => {
      const why = error.code === 'ENOENT' ? `${python} was not found` : error.message;
      resolve({ ok: false, message: `cannot check the functions of Python models: ${why} (install python3)` });
    });
    child.on('close', (code) => {
      if (code !== 0) {
        const tail = Buffer.concat(err).toString('utf8').trim().split('\n').slice(-3).join(' | ');
        resolve({ ok: false, message: `cannot check the functions of Python models: ${python} exited with ${code}: ${tail}` });
        return;
      }
      try {
        resolve({ ok: true, names: JSON.parse(Buffer.concat(out).toString('utf8')) as Record<string, PythonNames> });
      } catch (error) {
        resolve({ ok: false, message: `cannot check the functions of Python models: bad output from ${python}: ${(error as Error).message}` });
      }
    });
    // A write error (EPIPE when python dies at start) is reported by 'close' with its exit code.
    child.stdin.on('error', () => {});
    child.stdin.end(JSON.stringify(files));
  });
}
