// `slipway capture export <model> [--since 24h]`: a model's captured calls as JSONL on stdout,
// read from the local store (no daemon needed). Redacted fields were never stored.
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { storePath } from '../backends/local/observe.ts';
import { CliError } from '../cli/cli-error.ts';
import { listCaptures } from '../store/captures.ts';
import { openStore } from '../store/database.ts';
import { openWorkspace } from '../workspace/workspace.ts';
import { exportLine } from './export-lines.ts';
import { parseSince } from './since.ts';

/** Registers `capture export`. */
export function registerCapture(program: Command): void {
  const capture = program.command('capture').description("a model's captured live calls (models.yaml `capture`)");
  capture.command('export <model>')
    .description('print captured calls as JSONL, oldest first (usable as a `replay:` set)')
    .option('--since <when>', 'only calls since a duration ago (30m, 24h, 7d) or a date (2026-12-01)')
    .option('--limit <n>', 'at most this many calls')
    .action(async (model: string, opts: { since?: string; limit?: string }) => {
      let since = 0;
      if (opts.since !== undefined) {
        const parsed = parseSince(opts.since, Date.now());
        if (!parsed.ok) throw new CliError(parsed.message);
        since = parsed.ms;
      }
      const limit = opts.limit === undefined ? Number.MAX_SAFE_INTEGER : Number(opts.limit);
      if (!Number.isInteger(limit) || limit < 1) throw new CliError(`--limit ${JSON.stringify(opts.limit)} is not a whole number of calls (1 or more)`);
      const ws = await openWorkspace({ needModels: false });
      if (!existsSync(storePath(ws.root))) throw new CliError('nothing applied yet in this repository (run `slipway apply`), so nothing was captured');
      const store = openStore(storePath(ws.root));
      try {
        const calls = listCaptures(store, model, since, limit);
        if (calls.length === 0) process.stderr.write(`no captured calls of ${model}${opts.since ? ` since ${opts.since}` : ''} (is \`capture\` declared for it in models.yaml?)\n`);
        for (const call of calls) process.stdout.write(`${exportLine(call)}\n`);
      } finally {
        store.close();
      }
    });
}
