// `slipway validate`: every problem in models.yaml at once, each with file:line:column.
import type { Command } from 'commander';
import { loadSpec } from '../spec/load.ts';
import { formatIssues } from '../spec/format.ts';
import { computeBuildKeys } from '../source/build-keys.ts';
import { openWorkspace } from '../workspace/workspace.ts';

export function registerValidate(program: Command): void {
  program
    .command('validate')
    .description('check models.yaml: schema, names, limits, files and functions; exit 0 when valid, 1 when not')
    .option('-f, --file <path>', 'the models file (default: the nearest models.yaml)')
    .option('--for-apply', 'also require every fromEnv variable to be set, as apply does')
    .action(async (opts: { file?: string; forApply?: boolean }) => {
      const ws = await openWorkspace({ file: opts.file });
      const loaded = await loadSpec(ws.modelsFile, { root: ws.root, displayPath: ws.display, forApply: opts.forApply });
      if (!loaded.ok) {
        process.stderr.write(`${formatIssues(loaded.errors)}\n`);
        const n = loaded.errors.length;
        process.stderr.write(`${ws.display}: ${n} problem${n === 1 ? '' : 's'}\n`);
        process.exitCode = 1;
        return;
      }
      // What plan refuses, validate refuses too: files git cannot see, symlinks out of the repository.
      const keys = await computeBuildKeys(ws.repo, loaded.spec);
      if (!keys.ok) {
        for (const issue of keys.errors) {
          const at = loaded.spec.models.find((m) => m.name === issue.model)?.position;
          const where = at ? `${ws.display}:${at.line}:${at.column}` : ws.display;
          process.stderr.write(`${where}: model ${issue.model}: ${issue.path ? `${issue.path}: ` : ''}${issue.message}\n`);
        }
        const count = keys.errors.length;
        process.stderr.write(`${ws.display}: ${count} problem${count === 1 ? '' : 's'}\n`);
        process.exitCode = 1;
        return;
      }
      const n = loaded.spec.models.length;
      process.stdout.write(`${ws.display}: valid (${n} model${n === 1 ? '' : 's'})\n`);
    });
}
