// How an apply's result and the served endpoints read on a terminal.
import type { ApplyResult } from '../daemon/apply-runner.ts';
import type { ModelStatus } from '../backends/local/status.ts';
import { curlCommand } from '../github/curl-command.ts';
import { httrCall } from '../github/httr-call.ts';
import { startedAs } from '../rollouts/rollout-text.ts';

/**
 * One line per changed model, its test calls, and whether all went well. A failed build's tail is
 * included unless `buildStreamed` (the terminal showed the build's output as it came).
 */
export function renderApplyResult(result: ApplyResult, opts: { buildStreamed?: boolean } = {}): string {
  if (!result.ok) return `apply failed:\n${result.message}\n`;
  const lines: string[] = [];
  if (result.report.outcomes.length === 0) lines.push('No changes: everything is as declared.');
  for (const o of result.report.outcomes) {
    const build = o.build ? ` build #${o.build.number}${o.build.reused ? ' (reused)' : ''}` : '';
    // A canary or shadow does not serve every call yet: say so, or "deployed" would mislead.
    const deployment = o.deploymentId ? ` → deployment #${o.deploymentId}${o.rollout ? ` ${startedAs(o.rollout)}` : ''}` : '';
    lines.push(`${o.ok ? '✓' : '✗'} ${o.model}: ${o.action}${build}${deployment}${o.error ? `: ${o.error}` : ''}`);
    if (o.errorTail && !opts.buildStreamed) lines.push(...o.errorTail.split('\n').map((l) => `    | ${l}`));
    for (const warning of o.warnings ?? []) lines.push(`    warning while loading: ${warning}`);
    for (const t of o.tests) {
      const got = JSON.stringify(t.got);
      lines.push(
        `    example ${t.index + 1}: ${t.pass ? 'pass' : 'FAIL'} (${t.latencyMs.toFixed(1)} ms) ${JSON.stringify(t.input)} → ${got}${t.detail ? `  ${t.detail}` : ''}`,
      );
    }
  }
  if (result.report.outcomes.length > 0) lines.push(result.report.ok ? 'Apply complete.' : 'Apply finished with failures.');
  return `${lines.join('\n')}\n`;
}

/** Each served model with a curl and an R (httr) line to paste (access key included), after `hint` (see api-key-hint.ts). */
export function renderEndpoints(models: ModelStatus[], example: (model: string) => unknown, hint: string[] = []): string {
  const lines: string[] = [...hint];
  for (const m of models) {
    if (m.state !== 'running') {
      lines.push(`${m.model}: ${m.state}`);
      continue;
    }
    const target = { endpoint: m.endpoint, accessKey: m.accessKey, auth: m.auth, input: example(m.model) ?? {} };
    lines.push(`${m.model}: ${m.readyReplicas}/${m.replicas} replicas ready, deployment #${m.deploymentId}, build #${m.build}`);
    lines.push(`  ${curlCommand(target)}`);
    lines.push(`  R: ${httrCall(target)}`);
  }
  return `${lines.join('\n')}\n`;
}
