// `slipway plan`: what apply would do, per model, and why.
import type { Command } from 'commander';
import { hasChanges, plan } from '../plan/plan.ts';
import { renderPlanJson } from '../plan/render-plan-json.ts';
import { renderPlanText } from '../plan/render-plan-text.ts';
import { openTarget } from '../target/registry.ts';
import { loadDesired } from './desired.ts';
import { openWorkspace } from '../workspace/workspace.ts';
import { targetOptions, type ClusterFlags } from './target-flags.ts';

type PlanOptions = ClusterFlags & { file?: string; json?: boolean; detailedExitcode?: boolean };

export function registerPlan(program: Command): void {
  targetOptions(program.command('plan'))
    .description('show what apply would change and why')
    .option('-f, --file <path>', 'the models file (default: the nearest models.yaml)')
    .option('--json', 'print the plan as JSON')
    .option('--detailed-exitcode', 'exit 0 when nothing would change, 2 when something would, 1 on error')
    .action(async (opts: PlanOptions) => {
      const ws = await openWorkspace({ file: opts.file });
      const loaded = await loadDesired(ws);
      // What runs: the cluster of a kubernetes target, or the local daemon (its live state) or
      // store; the desired side keyed and digested as that target does.
      const target = await openTarget(opts, { ws, spec: loaded.spec, log: (line) => process.stderr.write(`  ${line}\n`) });
      const [desired, observed] = await Promise.all([target.prepare(loaded, { forApply: false }), target.observe()]);
      const result = plan(desired.spec, desired.keys, observed);
      process.stdout.write(opts.json ? renderPlanJson(result) : renderPlanText(result, { color: useColor() }));
      const note = target.advisory(desired.spec);
      if (note !== null) process.stderr.write(`${note}\n`);
      if (opts.detailedExitcode && hasChanges(result)) process.exitCode = 2;
    });
}

/** Colour only on a terminal, and never when NO_COLOR is set (no-color.org). */
export function useColor(): boolean {
  return Boolean(process.stdout.isTTY) && !process.env.NO_COLOR;
}
