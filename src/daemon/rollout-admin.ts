// Admin routes of a rollout in progress: `POST /admin/models/<name>/promote` (what `slipway
// promote` calls) and `POST /admin/models/<name>/step`, which ends the current step now, as if
// its interval had passed: an operator moves a canary on without waiting, and tests drive the
// controller's clock through it (the daemon runs in its own process, where no clock can be injected).
import type { RolloutController, RolloutState } from '../rollouts/rollout-controller.ts';

/** The action, or null when `action` is not a rollout action. It throws when no rollout is in progress. */
export function rolloutAction(rollouts: RolloutController, model: string, action: string): (() => Promise<RolloutState>) | null {
  if (action === 'promote') return () => rollouts.promote(model);
  if (action === 'step') return () => rollouts.endStep(model);
  return null;
}
