// `slipway plan`: what apply would do, per model, and why.
import type { Command } from 'commander';
import { findDaemon } from '../backends/local/admin-client.ts';
import { observeRoot } from '../backends/local/observe.ts';
import type { Observed } from '../plan/types.ts';
import { hasChanges, plan } from '../plan/plan.ts';
import { renderPlanJson } from '../plan/render-plan-json.ts';
import { renderPlanText } from '../plan/render-plan-text.ts';
import { loadDesired } from './desired.ts';
import { openWorkspace } from './workspace.ts';

type PlanOptions = { file?: string; json?: boolean; detailedExitcode?: boolean };

export function registerPlan(program: Command): void {
  program
    .command('plan')
    .description('show what apply would change and why')
    .option('-f, --file <path>', 'the models file (default: the nearest models.yaml)')
    .option('--json', 'print the plan as JSON')
    .option('--detailed-exitcode', 'exit 0 when nothing would change, 2 when something would, 1 on error')
    .action(async (opts: PlanOptions) => {
      const ws = await openWorkspace({ file: opts.file });
      const desired = await loadDesired(ws);
      // A running daemon knows what runs now (so a plan can show repairs); without one, the store's record.
      const daemon = findDaemon(ws.root);
      const observed = daemon ? await daemon.json<Observed>('GET', 'observe') : observeRoot(ws.root);
      const result = plan(desired.spec, desired.keys, observed);
      process.stdout.write(opts.json ? renderPlanJson(result) : renderPlanText(result, { color: useColor() }));
      if (opts.detailedExitcode && hasChanges(result)) process.exitCode = 2;
    });
}

/** Colour only on a terminal, and never when NO_COLOR is set (no-color.org). */
export function useColor(): boolean {
  return Boolean(process.stdout.isTTY) && !process.env.NO_COLOR;
}
