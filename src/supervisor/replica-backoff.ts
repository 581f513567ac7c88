// How long a crashed replica waits before its next start: doubling from `initialMs` up to `maxMs`,
// so a model that crashes at once does not spin the CPU, and one that crashed once comes back fast.
import type { BackoffOptions } from './supervisor-types.ts';

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 100, maxMs: 10_000, resetAfterMs: 30_000 };

/** Delay before the restart that follows the `failures`-th crash in a row (1-based). */
export function backoffDelay(failures: number, options: BackoffOptions): number {
  const exponent = Math.max(0, failures - 1);
  // Capping the exponent keeps 2 ** exponent finite however long a replica keeps crashing.
  return Math.min(options.maxMs, options.initialMs * 2 ** Math.min(exponent, 30));
}
