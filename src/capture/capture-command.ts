// `slipway capture export <model> [--since 24h] [--target NAME]`: a model's captured calls as JSONL
// on stdout, from the target's store: locally the store in `.slipway/` (no daemon needed), on a
// cluster its metrics store through the API server. Redacted fields were never stored.
import type { Command } from 'commander';
import { CliError } from '../cli/cli-error.ts';
import { targetOptions, type ClusterFlags } from '../cli/target-flags.ts';
import { openTarget } from '../target/registry.ts';
import { exportLine } from './export-lines.ts';
import { parseSince } from './since.ts';

type ExportFlags = ClusterFlags & { since?: string; limit?: string; file?: string };

/** Registers `capture export`. */
export function registerCapture(program: Command): void {
  const capture = program.command('capture').description("a model's captured live calls (models.yaml `capture`)");
  targetOptions(capture.command('export <model>'))
    .description('print captured calls as JSONL, oldest first (usable as a `replay:` set)')
    .option('--since <when>', 'only calls since a duration ago (30m, 24h, 7d) or a date (2026-12-01)')
    .option('--limit <n>', 'at most this many calls')
    .option('-f, --file <path>', 'the models file naming the target (default: the nearest models.yaml)')
    .action(async (model: string, opts: ExportFlags) => {
      let since = 0;
      if (opts.since !== undefined) {
        const parsed = parseSince(opts.since, Date.now());
        if (!parsed.ok) throw new CliError(parsed.message);
        since = parsed.ms;
      }
      const limit = opts.limit === undefined ? Number.MAX_SAFE_INTEGER : Number(opts.limit);
      if (!Number.isInteger(limit) || limit < 1) throw new CliError(`--limit ${JSON.stringify(opts.limit)} is not a whole number of calls (1 or more)`);
      const target = await openTarget(opts, { log: (line) => process.stderr.write(`  ${line}\n`) });
      // A cluster's store out of reach is a UserError saying why and what to do.
      const calls = await target.captures(model, { sinceMs: since, limit });
      if (calls.length === 0) process.stderr.write(`no captured calls of ${model}${opts.since ? ` since ${opts.since}` : ''} (is \`capture\` declared for it in models.yaml?)\n`);
      for (const call of calls) process.stdout.write(`${exportLine(call)}\n`);
    });
}
