// The plan as JSON for `slipway plan --json`: the documented shape and nothing more, so the
// declared model (which names secrets) never leaves the process this way.
import type { Plan } from './types.ts';

/**
 * `{"changes": [{"model", "action", "build": {"number", "key", "reused"} | null, "reasons", "why"}]}`,
 * pretty-printed with two spaces and a final newline. `reasons` are the lines people read (as
 * before `why` existed); `why` the same reasons as data (plan/reason.ts), for programs.
 */
export function renderPlanJson(p: Plan): string {
  const changes = p.changes.map((change) => ({
    model: change.model,
    action: change.action,
    build: change.build === null
      ? null
      : { number: change.build.number, key: change.build.key, reused: change.build.reused },
    reasons: [...change.reasons],
    ...(change.why ? { why: change.why } : {}),
  }));
  return `${JSON.stringify({ changes }, null, 2)}\n`;
}
