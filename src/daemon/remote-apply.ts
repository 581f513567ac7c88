// Asks the daemon to apply and follows its NDJSON stream: log lines as they come, then the result.
import type { ApplyResult } from './apply-runner.ts';
import type { AdminClient } from './admin-client.ts';
import { lockTimeoutFromEnv } from './apply-runner.ts';
import type { BuildLog } from '../apply/ensure-build.ts';
import { applyActor } from '../history/actor.ts';

/**
 * Applies `file` in the daemon, passing the values of the fromEnv variables `secrets` names. With
 * `fingerprint`, the daemon applies only the plan that fingerprint was taken of.
 */
export async function applyViaDaemon(
  client: AdminClient,
  file: string,
  secrets: string[],
  onLog: (line: string) => void,
  options: { gate?: boolean; onBuild?: BuildLog; fingerprint?: string } = {},
): Promise<ApplyResult> {
  const env: Record<string, string> = {};
  for (const name of secrets) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  // The caller's patience, not the daemon's: each CI job or terminal may set its own.
  const lockTimeoutSeconds = process.env.SLIPWAY_LOCK_TIMEOUT_SECONDS === undefined ? undefined : lockTimeoutFromEnv(process.env);
  const response = await client.request('POST', 'apply', { file, env, lockTimeoutSeconds, gate: options.gate, fingerprint: options.fingerprint, actor: applyActor(process.env) });
  if (!response.ok || !response.body) {
    const text = await response.text();
    return { ok: false, message: `the daemon refused the apply (${response.status}): ${text}` };
  }
  let result: ApplyResult | null = null;
  let pending = '';
  const decoder = new TextDecoder();
  for await (const chunk of response.body) {
    pending += decoder.decode(chunk as Uint8Array, { stream: true });
    let newline: number;
    while ((newline = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, newline);
      pending = pending.slice(newline + 1);
      if (!line) continue;
      const message = JSON.parse(line) as { log?: string; build?: { model: string; number: number; line: string }; result?: ApplyResult };
      if (message.log !== undefined) onLog(message.log);
      if (message.build !== undefined) {
        const { model, number, line: text } = message.build;
        if (options.onBuild) options.onBuild(model, number, text);
        else onLog(`${model} #${number} | ${text}`);
      }
      if (message.result) result = message.result;
    }
  }
  return result ?? { ok: false, message: 'the daemon ended the apply without a result; see .slipway/daemon.log' };
}
