// The Action's bundle made from the sources as they are, for tests that run it as the runner does:
// dist/ is committed at integration, so a branch's dist/ may lag its sources. The bundle goes into
// node_modules/.cache (inside the package, where it finds Slipway's runtime and schema as from dist/).
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

const packageRoot = path.resolve(import.meta.dirname, '../..');

export type Bundle = { file: string; cleanup(): void };

/** Bundles src/action/index.ts with the same esbuild settings as dist/index.js. */
export function buildActionBundle(): Bundle {
  const cache = path.join(packageRoot, 'node_modules', '.cache');
  mkdirSync(cache, { recursive: true });
  const dir = mkdtempSync(path.join(cache, 'slipway-bundle-'));
  execFileSync(process.execPath, [path.join(packageRoot, 'scripts', 'build-action.ts'), '--outdir', dir], { stdio: ['ignore', 'ignore', 'inherit'] });
  return { file: path.join(dir, 'index.js'), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

type ActionYaml = { inputs: Record<string, { default?: string }> };

/**
 * INPUT_* as the runner sets them for action.yml: each input, its default unless given (with
 * `${{ github.token }}` evaluated to `token`), the name upper-cased with its dashes kept.
 */
export function actionInputs(given: Record<string, string>, token: string): Record<string, string> {
  const action = parse(readFileSync(path.join(packageRoot, 'action.yml'), 'utf8')) as ActionYaml;
  const env: Record<string, string> = {};
  for (const [name, spec] of Object.entries(action.inputs)) {
    const value = given[name] ?? spec.default ?? '';
    env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = value === '${{ github.token }}' ? token : value;
  }
  return env;
}
