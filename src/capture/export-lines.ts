// Captured calls as JSONL, one call a line: the format `slipway capture export` prints and a
// replay set (models.yaml `replay`) is read in, so an export can be committed as a replay set.
import type { CapturedCall } from '../store/captures.ts';

/** One JSONL line (no newline) for a captured call. `response` holds `{value}` or `{error}`. */
export function exportLine(call: CapturedCall): string {
  return JSON.stringify({
    request: JSON.parse(call.request),
    response: call.response === null ? null : JSON.parse(call.response),
    at: new Date(call.at).toISOString(),
    latencyMs: Math.round(call.latencyMs * 1000) / 1000,
    status: call.status,
    outcome: call.outcome,
    deployment: call.deploymentId,
    build: call.build,
  });
}
