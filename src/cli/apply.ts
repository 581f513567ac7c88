// `slipway apply`: plan, confirm, apply on the target (locally in the daemon, started when there is
// none; on a kubernetes target under its Lease), then the changed models' examples as test calls;
// non-zero exit when anything failed.
import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import { hasChanges } from '../plan/plan.ts';
import { saveCaptureSettingsOf } from '../capture/save-settings.ts';
import { renderPlanText } from '../plan/render-plan-text.ts';
import type { Plan } from '../plan/types.ts';
import { openTarget } from '../target/registry.ts';
import { renderApplyResult } from './apply-output.ts';
import { createBuildOutput } from './build-output.ts';
import { CliError } from './cli-error.ts';
import { loadDesired } from './desired.ts';
import { useColor } from './plan.ts';
import { openWorkspace } from '../workspace/workspace.ts';
import { targetOptions, type ClusterFlags } from './target-flags.ts';

type ApplyOptions = ClusterFlags & { file?: string; yes?: boolean; port: string; gate?: boolean };

export function registerApply(program: Command): void {
  targetOptions(program.command('apply'))
    .description('apply models.yaml to the running daemon (starting one if needed), then run the examples')
    .option('-f, --file <path>', 'the models file (default: the nearest models.yaml)')
    .option('-y, --yes', 'apply without asking')
    .option('--port <port>', 'port for a daemon started by this command', '8700')
    .option('--no-gate', 'move traffic as soon as new replicas are ready; run the examples after (default: they must pass first)')
    .action(async (opts: ApplyOptions) => {
      const ws = await openWorkspace({ file: opts.file });
      const loaded = await loadDesired(ws, { forApply: true });
      const log = (line: string) => process.stderr.write(`  ${line}\n`);
      const target = await openTarget(opts, { ws, spec: loaded.spec, port: Number(opts.port), log });
      const desired = await target.prepare(loaded, { forApply: true });
      const output = createBuildOutput({ tty: process.stderr.isTTY === true, write: (text) => process.stderr.write(text) });
      const result = await target.apply(desired, {
        confirm: async (thePlan: Plan) => {
          process.stdout.write(renderPlanText(thePlan, { color: useColor() }));
          if (!opts.yes && !(await confirm())) throw new CliError('apply cancelled (pass --yes to apply without asking)');
          return true;
        },
        // Confirmed at the prompt: the target applies that plan or refuses; --yes applies what it finds.
        pinConfirmed: !opts.yes,
        log: output.onLog,
        notice: (line) => process.stderr.write(`${line}\n`),
        gate: opts.gate,
        onBuild: output.onBuild,
      });
      output.done();
      if (result.ok && !result.report) {
        if (!hasChanges(result.plan)) process.stdout.write(renderPlanText(result.plan, { color: useColor() }));
        // Capture settings are no part of the plan (changing them redeploys nothing): saved even
        // when nothing else changes, into the local store when there is one; the daemon reads them.
        saveCaptureSettingsOf(ws.root, loaded.spec);
        return;
      }
      process.stdout.write(renderApplyResult(result.ok ? { ...result, report: result.report! } : result, { buildStreamed: output.streamed }));
      if (!result.ok || !result.report!.ok) process.exitCode = 1;
    });
}

async function confirm(): Promise<boolean> {
  if (!process.stdin.isTTY) throw new CliError('not on a terminal: pass --yes to apply without asking');
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return /^y(es)?$/i.test((await rl.question('Apply these changes? [y/N] ')).trim());
  } finally {
    rl.close();
  }
}
