// The examples a deployment answered before it was allowed to take traffic, and how it did.
import type { Store } from './database.ts';

/** One example's outcome, as `apply/test-calls` reports it (kept as JSON; the store does not interpret it). */
export type StoredTestResult = { index: number; pass: boolean; detail: string | null; expected: unknown; got: unknown };

export type DeploymentTests = { deploymentId: number; passed: boolean; results: StoredTestResult[]; testedAt: string };

/** Records the gate's results for a deployment (replacing earlier ones for it). */
export function recordDeploymentTests(store: Store, deploymentId: number, results: StoredTestResult[], at: Date = new Date()): void {
  const passed = results.every((r) => r.pass);
  store
    .statement('INSERT OR REPLACE INTO deployment_tests (deployment_id, passed, results, tested_at) VALUES (?, ?, ?, ?)')
    .run(deploymentId, passed ? 1 : 0, JSON.stringify(results), at.toISOString());
}

/** The gate's results for a deployment, or null when it was not gated. */
export function getDeploymentTests(store: Store, deploymentId: number): DeploymentTests | null {
  const row = store.statement('SELECT deployment_id, passed, results, tested_at FROM deployment_tests WHERE deployment_id = ?').get(deploymentId) as
    | { deployment_id: number; passed: number; results: string; tested_at: string }
    | undefined;
  if (!row) return null;
  return { deploymentId: row.deployment_id, passed: row.passed === 1, results: JSON.parse(row.results) as StoredTestResult[], testedAt: row.tested_at };
}
