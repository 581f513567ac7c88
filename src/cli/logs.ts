// `slipway logs`: what a model's replicas printed, newest first, or followed as it comes.
import type { Command } from 'commander';
import type { LogLine } from '../backends/local/supervisor-types.ts';
import { requireDaemon } from './daemon-client.ts';

export function registerLogs(program: Command): void {
  program
    .command('logs <model>')
    .description("show a model's replica output (newest first), or --follow it")
    .option('--replica <id>', 'only this replica')
    .option('-n, --lines <n>', 'how many lines', '100')
    .option('--follow', 'keep printing new lines')
    .action(async (model: string, opts: { replica?: string; lines: string; follow?: boolean }) => {
      const { client } = await requireDaemon();
      const query = new URLSearchParams({ limit: opts.lines });
      if (opts.replica) query.set('replica', opts.replica);
      const format = (l: LogLine) => `${l.time} ${l.replicaId} ${l.stream} ${l.text}\n`;
      if (!opts.follow) {
        const lines = await client.json<LogLine[]>('GET', `models/${encodeURIComponent(model)}/logs?${query}`);
        for (const line of lines) process.stdout.write(format(line));
        return;
      }
      query.set('follow', '1');
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
