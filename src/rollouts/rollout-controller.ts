// Canary and shadow rollouts of the local daemon. A rollout starts once the new deployment passed
// its examples; the controller then moves it on: a canary step by step (each after `interval`,
// while the policy holds), a shadow after `duration`. A breach rolls back, the last step (or
// `promote`) makes the new deployment the primary. Time comes from the injected clock and `tick`,
// so tests decide when an interval has passed.
import type { TappedCall } from '../gateway/types.ts';
import type { RolloutPolicy } from '../spec/types.ts';
import { policyBreach } from './rollout-policy-check.ts';
import { RolloutWindow, type WindowSnapshot, type WindowSummary } from './rollout-window.ts';

/** What the controller asks of the deployer. */
export type RolloutActions = {
  /** Sets the model's route again: the weights changed (read back through `variantOf`). */
  reroute(model: string): void;
  /** The new deployment becomes the primary; the old one drains and stops. `finished` says how it got there. */
  promote(model: string, candidateId: number, finished: RolloutState): Promise<void>;
  /** The new deployment leaves the route, stops, and is recorded failed with `reason`. */
  rollBack(model: string, candidateId: number, reason: string): Promise<void>;
  /**
   * Called whenever a rollout starts, steps or ends (null), so a rollout outlives the process that
   * runs it: the local store, or a cluster annotation. The window's counters change with every
   * call; the caller saves them between steps with `snapshots()` as often as it likes.
   */
  saved?(model: string, snapshot: RolloutSnapshot | null): void;
};

/** A rollout in progress as saved between processes, resumed with `resume`. */
export type RolloutSnapshot = {
  policy: RolloutPolicy;
  state: Omit<RolloutState, 'comparison'>;
  window: WindowSnapshot;
  /** When it was written where another process reads it (a cluster's Service), ms since the epoch. */
  savedAt?: number;
};

/** A rollout in progress or finished, as `slipway status` shows it. */
export type RolloutState = {
  model: string;
  strategy: RolloutPolicy['strategy'];
  liveDeploymentId: number;
  candidateDeploymentId: number;
  liveBuild: number;
  candidateBuild: number;
  /** Canary: index into the policy's steps; shadow: 0. */
  step: number;
  steps: number[];
  /** Percent of calls the new deployment serves (canary) or gets copies of (shadow). */
  weight: number;
  startedAt: number;
  stepStartedAt: number;
  /** When the current step (canary) or the whole shadow ends, if the policy holds. */
  nextAt: number;
  /** The current window: the live build against the new deployment. */
  comparison: WindowSummary;
  /** Earlier canary steps' windows, oldest first. */
  earlier: WindowSummary[];
  outcome: 'running' | 'promoted' | 'rolled back' | 'superseded';
  reason: string | null;
  /** A running shadow: copies the gateway dropped because its replicas were busy (set by status). */
  dropped?: number;
  /** Present when this is a saved copy (a cluster's Service annotation), not the driving controller's own: when it was saved. */
  savedAt?: number;
};

type Active = {
  policy: RolloutPolicy;
  state: Omit<RolloutState, 'comparison'>;
  window: RolloutWindow;
  busy: boolean;
};

export type RolloutController = ReturnType<typeof createRolloutController>;

/** A controller over `actions`, reading time from `now` (milliseconds since the epoch). */
export function createRolloutController(actions: RolloutActions, now: () => number = Date.now) {
  const active = new Map<string, Active>();
  const finished = new Map<string, RolloutState>();

  const stepLength = (policy: RolloutPolicy): number => (policy.strategy === 'canary' ? policy.intervalMs : policy.durationMs);
  const view = (a: Active): RolloutState => ({ ...a.state, comparison: a.window.summary() });
  const snapshotOf = (a: Active): RolloutSnapshot => ({ policy: a.policy, state: structuredClone(a.state), window: a.window.snapshot() });
  const save = (model: string, a: Active | null): void => actions.saved?.(model, a === null ? null : snapshotOf(a));

  function finish(model: string, a: Active, outcome: RolloutState['outcome'], reason: string | null): void {
    active.delete(model);
    finished.set(model, { ...view(a), outcome, reason });
    save(model, null);
  }

  /** Ends the current step now: rolls back on a breach, else moves to the next step or promotes. */
  async function endStep(model: string): Promise<RolloutState> {
    const a = active.get(model);
    if (a === undefined) throw new Error(`${model} has no rollout in progress`);
    if (a.busy) return view(a);
    a.busy = true;
    const summary = a.window.summary();
    const breach = policyBreach(a.policy, summary);
    const { candidateDeploymentId: candidate } = a.state;
    if (breach !== null) {
      const reason = `${a.policy.strategy} at ${a.state.weight} % rolled back: ${breach}`;
      finish(model, a, 'rolled back', reason);
      await actions.rollBack(model, candidate, reason);
      return finished.get(model)!;
    }
    const last = a.policy.strategy === 'shadow' || a.state.step >= a.state.steps.length - 1 || a.state.steps[a.state.step + 1] >= 100;
    if (last) return promoteNow(model, a, null);
    a.state.earlier.push(summary);
    a.state.step++;
    a.state.weight = a.state.steps[a.state.step];
    a.state.stepStartedAt = now();
    a.state.nextAt = a.state.stepStartedAt + stepLength(a.policy);
    a.window = new RolloutWindow(a.state.liveDeploymentId, candidate, false);
    save(model, a);
    actions.reroute(model);
    a.busy = false;
    return view(a);
  }

  async function promoteNow(model: string, a: Active, by: string | null): Promise<RolloutState> {
    a.busy = true;
    a.state.weight = 100;
    finish(model, a, 'promoted', by);
    await actions.promote(model, a.state.candidateDeploymentId, finished.get(model)!);
    return finished.get(model)!;
  }

  return {
    /** Starts a rollout of deployment `candidate` beside `live`; the caller sets the route after. */
    start(model: string, policy: RolloutPolicy, live: { id: number; build: number }, candidate: { id: number; build: number }): void {
      const [liveId, candidateId] = [live.id, candidate.id];
      const t = now();
      const steps = policy.strategy === 'canary' ? policy.steps : [100];
      const a: Active = {
        policy,
        busy: false,
        window: new RolloutWindow(liveId, candidateId, policy.strategy === 'shadow'),
        state: {
          model, strategy: policy.strategy, liveDeploymentId: liveId, candidateDeploymentId: candidateId,
          liveBuild: live.build, candidateBuild: candidate.build,
          step: 0, steps, weight: steps[0], startedAt: t, stepStartedAt: t, nextAt: t + stepLength(policy),
          earlier: [], outcome: 'running', reason: null,
        },
      };
      active.set(model, a);
      finished.delete(model);
      save(model, a);
    },

    /**
     * Goes on with a rollout saved by another process (the daemon before a restart, another gateway
     * replica): same step, same deadline, the window's counters as saved. The caller sets the route after.
     */
    resume(snapshot: RolloutSnapshot): void {
      const { policy, state, window } = snapshot;
      if (state.outcome !== 'running') return;
      active.set(state.model, { policy, busy: false, window: RolloutWindow.restore(window), state: structuredClone(state) });
      finished.delete(state.model);
    },

    /** Every rollout in progress, to save its window's counters (the state is saved at each change). */
    snapshots(): RolloutSnapshot[] {
      return [...active.values()].map(snapshotOf);
    },

    /** The variant the model's route carries now, or null with no rollout. */
    variantOf(model: string): { role: 'canary' | 'shadow'; deploymentId: number; weight: number } | null {
      const a = active.get(model);
      if (a === undefined) return null;
      return { role: a.policy.strategy, deploymentId: a.state.candidateDeploymentId, weight: a.state.weight };
    },

    /** The call tap's rollout part: one map lookup for a model with no rollout. */
    record(call: TappedCall): void {
      active.get(call.model)?.window.record(call);
    },

    /** Whether some step's time has come (cheap: the daemon asks every second). */
    due(): boolean {
      const t = now();
      return [...active.values()].some((a) => !a.busy && t >= a.state.nextAt);
    },

    /** Ends every step whose time has come. Errors are the actions' (logged by the caller). */
    async tick(): Promise<void> {
      const t = now();
      const due = [...active].filter(([, a]) => !a.busy && t >= a.state.nextAt).map(([model]) => model);
      for (const model of due) await endStep(model);
    },

    endStep,

    /** `slipway promote`: the new deployment takes every call now. */
    async promote(model: string): Promise<RolloutState> {
      const a = active.get(model);
      if (a === undefined) throw new Error(`${model} has no rollout in progress: nothing to promote`);
      if (a.busy) throw new Error(`${model}'s rollout is already moving; try again in a moment`);
      return promoteNow(model, a, 'promoted by hand');
    },

    /** A newer deployment replaces the rollout's; the caller stops the new deployment's replicas. */
    supersede(model: string, reason: string): RolloutState | null {
      const a = active.get(model);
      if (a === undefined) return null;
      finish(model, a, 'superseded', reason);
      return finished.get(model)!;
    },

    /** The model's rollout in progress, else the last one finished since the daemon started. */
    status(model: string): RolloutState | null {
      const a = active.get(model);
      return a === undefined ? finished.get(model) ?? null : view(a);
    },
  };
}
