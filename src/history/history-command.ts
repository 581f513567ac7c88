// `slipway history [<model>] [--at INSTANT] [--json] [--export FILE]`: which deployment served
// each model at an instant, or the timeline of deployments, from the local store (no daemon needed)
// or, with --target, from the cluster's deployment records.
import type { Command } from 'commander';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { CliError } from '../cli/cli-error.ts';
import { targetOptions, type ClusterFlags } from '../cli/target-flags.ts';
import { openTarget } from '../target/registry.ts';
import { auditLines, liveAt, parseInstant, timeline, type HistoryRecord, type TimelineEntry } from './timeline.ts';
import { gateText } from './gate-summary.ts';

type Flags = ClusterFlags & { file?: string; at?: string; json?: boolean; export?: string };

const print = (text: string): void => void process.stdout.write(text);
const short = (commit: string | null): string => commit?.slice(0, 8) ?? '-';

async function readRecords(model: string | undefined, flags: Flags): Promise<HistoryRecord[]> {
  const target = await openTarget(flags, { log: (line) => process.stderr.write(`  ${line}\n`) });
  return target.history(model);
}

/** One line of the `--at` answer. */
export function describeLive(e: TimelineEntry): string {
  const env = e.serving.env.length ? `  env ${e.serving.env.join(', ')}` : '';
  const state = e.state === 'stopped' ? '  (stopped: took no calls)' : '';
  return `${e.model}  deployment #${e.deploymentId}  build #${e.build}${e.buildKey ? ` (key ${e.buildKey.slice(0, 12)})` : ''}  commit ${short(e.commit)}  by ${e.actor ?? 'unknown'}  replicas ${e.serving.replicas}${env}  since ${e.servedFrom}${state}\n`;
}

/** One line of the timeline. */
export function describeEntry(e: TimelineEntry): string {
  const span = e.servedFrom === null ? `never served (${e.status})` : `${e.servedFrom} → ${e.servedUntil ?? 'now'}${e.status === 'deleted' ? ' (deleted)' : ''}`;
  return `${e.model}  #${e.deploymentId}  build #${e.build}  commit ${short(e.commit)}  ${span}  by ${e.actor ?? 'unknown'}  ${gateText(e.gate)}  ${e.reason ?? ''}\n`.replace(/ +\n$/, '\n');
}

export function registerTimeline(program: Command): void {
  targetOptions(program.command('history [model]'))
    .description('which deployment served each model at an instant (--at), or the timeline of deployments')
    .option('--at <instant>', 'an instant, such as 2026-11-20T14:00Z: the deployment that served each model then')
    .option('--json', 'print JSON')
    .option('--export <file>', 'write the whole timeline as JSON lines (an audit export; - for stdout)')
    .option('-f, --file <path>', 'the models file, for --target')
    .action(async (model: string | undefined, opts: Flags) => {
      let at: Date | null = null;
      try {
        at = opts.at === undefined ? null : parseInstant(opts.at);
      } catch (error) {
        throw new CliError((error as Error).message);
      }
      const records = await readRecords(model, opts);
      if (opts.export !== undefined) {
        const lines = auditLines(records);
        if (opts.export === '-') return print(lines);
        await writeFile(path.resolve(opts.export), lines);
        return print(`wrote ${records.length} deployment records to ${opts.export}\n`);
      }
      if (at !== null) {
        const live = liveAt(records, at);
        if (opts.json) return print(`${JSON.stringify({ at: at.toISOString(), models: live }, null, 2)}\n`);
        if (live.length === 0) return print(`nothing served${model ? ` ${model}` : ''} at ${at.toISOString()}\n`);
        return print(live.map(describeLive).join(''));
      }
      const entries = timeline(records);
      if (opts.json) return print(`${JSON.stringify(entries, null, 2)}\n`);
      if (entries.length === 0) return print(`${model ?? 'no model'} has no deployments\n`);
      print(entries.map(describeEntry).join(''));
    });
}
