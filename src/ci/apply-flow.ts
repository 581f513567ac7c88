// Merges (a push to the default branch) and `apply` on demand: apply in the local daemon (started
// when none runs), whose test calls then run against the deployed models.
import { secretNames } from '../apply/desired.ts';
import { ensureDaemon } from '../daemon/admin-client.ts';
import { secretDigestIfStore } from '../workspace/secret-digest.ts';
import type { RunReport } from '../github/run-report.ts';
import { applyInDaemon } from './daemon-apply.ts';
import type { FlowContext } from './flow-context.ts';
import { loadModels, modelsFileName } from './load-models.ts';
import { invalidReport, toReport } from './to-report.ts';

/** Applies the models file in the daemon and reports per model, test calls included. */
export async function applyFlow(ctx: FlowContext): Promise<RunReport> {
  const { ws } = ctx;
  const header = { kind: 'apply' as const, commit: ctx.commit, modelsFile: modelsFileName(ws) };
  const desired = await loadModels(ws, { forApply: true, env: ctx.env, secretDigest: secretDigestIfStore(ws.root), interpreters: true });
  if (!desired.ok) return invalidReport(header, desired);
  ctx.secrets(secretNames(desired.spec));
  const notes: string[] = [];
  const { client, started } = await ensureDaemon(ws.root, { port: ctx.settings.port });
  if (started) notes.push(`started the Slipway daemon at ${client.url}`);
  const applied = await applyInDaemon(ctx, client, desired.spec);
  return toReport(header, { ok: applied.ok, plan: applied.plan, fingerprint: applied.fingerprint, models: applied.models, notes, failure: applied.failure });
}
