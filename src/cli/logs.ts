// `slipway logs`: what a model's replicas printed, oldest first as `kubectl logs` prints it; with
// -f the lines that follow as they come; `--previous` the run of the replica that crashed last.
import type { Command } from 'commander';
import type { LogLine } from '../supervisor/supervisor-types.ts';
import { parseDuration } from '../keys/duration.ts';
import { CliError } from './cli-error.ts';
import { requireDaemon } from './daemon-client.ts';
import { selectLogLines, type LogSelection } from './log-selection.ts';

type LogsOptions = { replica?: string; tail?: string; since?: string; follow?: boolean; previous?: boolean };

// Replicas keep their last 1,000 lines each in the daemon's memory; ask for all of them when filtering.
const EVERYTHING = 1_000_000;

export function registerLogs(program: Command): void {
  program
    .command('logs <model>')
    .description("show a model's replica output, oldest first (the last 100 lines unless --tail or --since)")
    .option('-f, --follow', 'keep printing new lines as they come')
    .option('-n, --tail <n>', 'the last n lines')
    .option('--lines <n>', 'the same as --tail')
    .option('--since <duration>', 'only lines of the last duration: 30s, 10m, 2h, 1d')
    .option('--replica <id>', 'only this replica (ids: slipway status)')
    .option('-p, --previous', 'what the replica that crashed last printed, up to its crash')
    .action(async (model: string, opts: LogsOptions & { lines?: string }) => {
      const selection = toSelection(opts);
      const { client } = await requireDaemon();
      const query = new URLSearchParams({ limit: String(EVERYTHING) });
      if (opts.replica) query.set('replica', opts.replica);
      const format = (l: LogLine) => `${l.time} ${l.replicaId} ${l.stream} ${l.text}\n`;
      const lines = await client.json<LogLine[]>('GET', `models/${encodeURIComponent(model)}/logs?${query}`);
      const selected = selectLogLines(lines, selection);
      if (selected === null) throw new CliError(`no replica of ${model} has crashed since the daemon started (slipway logs ${model} shows what they print)`);
      for (const line of selected) process.stdout.write(format(line));
      if (!opts.follow) return;

      query.set('follow', '1');
      query.set('limit', '0');
      const response = await client.request('GET', `models/${encodeURIComponent(model)}/logs?${query}`);
      if (!response.body) return;
      let pending = '';
      const decoder = new TextDecoder();
      for await (const chunk of response.body) {
        pending += decoder.decode(chunk as Uint8Array, { stream: true });
        let i: number;
        while ((i = pending.indexOf('\n')) >= 0) {
          const line = pending.slice(0, i);
          pending = pending.slice(i + 1);
          if (line) process.stdout.write(format(JSON.parse(line) as LogLine));
        }
      }
    });
}

function toSelection(opts: LogsOptions & { lines?: string }): LogSelection {
  const selection: LogSelection = { previous: opts.previous === true };
  const tail = opts.tail ?? opts.lines;
  if (tail !== undefined) {
    const n = Number(tail);
    if (!Number.isInteger(n) || n < 0) throw new CliError(`--tail "${tail}" is not a number of lines: give a whole number, like 50`);
    selection.tail = n;
  } else if (opts.since === undefined && !opts.previous) {
    selection.tail = 100;
  }
  if (opts.since !== undefined) {
    const since = parseDuration(opts.since);
    if (!since.ok) throw new CliError(`--since: ${since.error}`);
    selection.sinceMs = Date.now() - since.ms;
  }
  return selection;
}
