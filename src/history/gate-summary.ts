// What a deployment's examples gate found, as history shows it: which examples passed and which
// failed (with why), before the deployment was allowed to take traffic. Read from the local store's
// deployment_tests or from a cluster deployment record's gate-results annotation; pure otherwise.

/** One example's outcome: its index in the model's examples (0-based), and why it failed. */
export type GateExample = { index: number; pass: boolean; detail: string | null };

/** The gate's verdict on a deployment; null where it was not gated (gate: false, --no-gate, recreate, stopped). */
export type GateSummary = { passed: boolean; results: GateExample[] };

/** The summary of `results` (extra fields such as expected/got or latency are left out). */
export function gateSummary(results: readonly GateExample[]): GateSummary {
  return {
    passed: results.every((r) => r.pass),
    results: results.map((r) => ({ index: r.index, pass: r.pass, detail: r.detail ?? null })),
  };
}

/** Reads results kept as JSON (a cluster record's annotation); null when absent or not a list of results. */
export function parseGateResults(text: string | undefined | null): GateSummary | null {
  if (text === undefined || text === null) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return null;
  }
  if (!Array.isArray(parsed)) return null;
  const results = parsed.filter(
    (r): r is GateExample => typeof r === 'object' && r !== null && typeof r.index === 'number' && typeof r.pass === 'boolean',
  );
  return results.length === parsed.length ? gateSummary(results) : null;
}

/**
 * One column for a deployment's line: `examples 2/2 passed`, `examples 1/2 passed, failed 2`
 * (examples numbered from 1, as apply prints them), or `not gated`.
 */
export function gateText(gate: GateSummary | null | undefined): string {
  if (!gate) return 'not gated';
  if (gate.results.length === 0) return 'no examples to gate';
  const passed = gate.results.filter((r) => r.pass).length;
  const failed = gate.results.filter((r) => !r.pass).map((r) => r.index + 1);
  return `examples ${passed}/${gate.results.length} passed${failed.length > 0 ? `, failed ${failed.join(', ')}` : ''}`;
}

/** An indented line per example that failed, with why: under a deployment's line, nothing when none failed. */
export function gateFailures(gate: GateSummary | null | undefined): string {
  if (!gate || gate.passed) return '';
  return gate.results
    .filter((r) => !r.pass)
    .map((r) => `    example ${r.index + 1} failed before it took traffic: ${r.detail ?? 'no detail'}\n`)
    .join('');
}
