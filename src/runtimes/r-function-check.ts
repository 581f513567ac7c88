// What R files define at their top level, read with R's own parser (r-top-level-names.R) in one
// Rscript process for all files: syntax errors come with line and column, and functions made in
// any valid way (`<-`, `=`, `->`, `assign()`, inside `{ }` or `local()`) are found.
import { execFile } from 'node:child_process';
import { packagePath } from '../package-paths.ts';
import { RSCRIPT } from './r-probe.ts';

export type RNames =
  | { names: string[]; functions: string[]; sources: boolean }
  | { syntaxError: { line: number; column: number; message: string } }
  | { readError: string };

export type RNamesResult = { ok: true; names: Map<string, RNames> } | { ok: false; message: string };

const scriptPath = packagePath('src', 'runtimes', 'r-top-level-names.R');
const SEP = '\x1f';

/** Parses `files` (absolute paths) with `rscript`; `ok: false` when R cannot be run at all. */
export function rTopLevelNames(files: string[], rscript: string = RSCRIPT): Promise<RNamesResult> {
  return new Promise((resolve) => {
    execFile(rscript, ['--vanilla', scriptPath, ...files], { encoding: 'utf8', timeout: 120_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error !== null) {
        const why = (error as NodeJS.ErrnoException).code === 'ENOENT' ? `${rscript} was not found` : `${rscript} failed: ${stderr.trim().split('\n').slice(-2).join(' | ') || error.message}`;
        resolve({ ok: false, message: `cannot check the R models: ${why} (install R: apt-get install r-base-core)` });
        return;
      }
      const names = new Map<string, RNames>();
      for (const line of stdout.split('\n')) {
        const [index, kind, ...rest] = line.split(SEP);
        const file = files[Number(index) - 1];
        if (file === undefined) continue;
        if (kind === 'OK') {
          const list = (text: string | undefined) => (text ? text.split(',') : []);
          names.set(file, { names: list(rest[0]), functions: list(rest[1]), sources: rest[2] === '1' });
        } else if (kind === 'SYNTAX') {
          names.set(file, { syntaxError: { line: Number(rest[0]), column: Number(rest[1]), message: rest[2] ?? '' } });
        } else if (kind === 'READ') {
          names.set(file, { readError: rest[0] ?? '' });
        }
      }
      resolve({ ok: true, names });
    });
  });
}
