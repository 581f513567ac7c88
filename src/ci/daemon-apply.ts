// An apply carried out by the local daemon, with its result turned into per-model reports: the
// same path as `slipway apply` (applyViaDaemon), so CI and a terminal apply alike.
import { secretNames } from '../apply/desired.ts';
import type { AdminClient } from '../daemon/admin-client.ts';
import { applyViaDaemon } from '../daemon/remote-apply.ts';
import type { ModelReport } from '../github/run-report.ts';
import type { Plan } from '../plan/types.ts';
import type { Spec } from '../spec/types.ts';
import { addCurls } from './endpoint-curl.ts';
import type { FlowContext } from './flow-context.ts';
import { outcomeReport } from './to-report.ts';

export type DaemonApply = { ok: boolean; plan: Plan | null; fingerprint: string | null; models: ModelReport[]; failure: string | null };

/**
 * Asks the daemon to apply the models file (the test calls run there after deploy), and reports
 * per model. With `settings.planFingerprint`, the daemon refuses any plan but the one confirmed.
 */
export async function applyInDaemon(ctx: FlowContext, client: AdminClient, spec: Spec): Promise<DaemonApply> {
  const fingerprint = ctx.settings.planFingerprint ?? undefined;
  const result = await applyViaDaemon(client, ctx.ws.modelsFile, secretNames(spec), ctx.log, { fingerprint });
  if (!result.ok) return { ok: false, plan: null, fingerprint: null, models: [], failure: result.message };
  const models = result.report.outcomes.map((o) => outcomeReport(o, result.plan));
  addCurls(models, spec, { root: ctx.ws.root, gatewayUrl: ctx.settings.gatewayUrl ?? client.url });
  return { ok: result.report.ok, plan: result.plan, fingerprint: result.fingerprint, models, failure: null };
}
