// Canary and shadow rollouts on the local daemon: the controller (src/rollouts/) decides when to
// step, promote or roll back; these actions carry its decisions out on the store, the gateway
// route and the supervisor, through the deployer's own switch and retire. Each rollout in progress
// is kept in the store (at every start and step, and its window's counters every 10 s and at stop),
// so a restarted daemon goes on with it (see `saved` and the deployer's restore); the last finished
// one too, so status and the dashboard still say how it ended.
import { createRolloutController, type RolloutController, type RolloutSnapshot, type RolloutState } from '../../rollouts/rollout-controller.ts';
import { rolloutRecord } from '../../rollouts/rollout-text.ts';
import { RolloutWindow } from '../../rollouts/rollout-window.ts';
import type { Store } from '../../store/database.ts';
import { appendDeploymentReason } from '../../store/deployment-reason.ts';
import { activateDeployment, setDeploymentStatus } from '../../store/deployments.ts';
import { loadRollouts, saveFinishedRollout, saveRollout, type SavedRollout } from '../../store/rollouts.ts';

/** How often the windows' counters are saved between steps. */
const SAVE_EVERY_MS = 10_000;

export type LocalRollouts = {
  controller: RolloutController;
  /** A newer deploy, a stop or a delete ends a rollout in progress: its replicas stop, its record fails. */
  end(model: string, why: string): Promise<void>;
  /** The rollouts the daemon ran when it last stopped, by model (read once, at restore, which also takes the last finished ones). */
  saved(): Map<string, SavedRollout>;
  /** Goes on with a saved rollout whose candidate's replicas run again; the caller sets the route after. */
  resume(saved: SavedRollout): void;
  /** Ends a saved rollout that cannot go on (its live deployment did not come back): rolled back, for `reason`. */
  forget(saved: SavedRollout, reason: string): void;
  /** The controller's status (else the last finished one saved), with a shadow's dropped copies (before and since the restart). */
  status(model: string): RolloutState | null;
  /** Saves every window's counters now and stops saving them (daemon stop). */
  close(): void;
};

export function createLocalRollouts(deps: {
  store: Store;
  log: (line: string) => void;
  now?: () => number;
  /** Re-lists the model's route (primary and variant) with the gateway. */
  reroute: (model: string) => void;
  /** Moves all traffic to deployment `id` and retires the previous one. */
  switchTo: (model: string, id: number) => Promise<void>;
  /** Drains and stops a deployment's replicas. */
  retire: (deploymentId: number) => Promise<void>;
  /** Shadow copies the gateway dropped for the model since the daemon started. */
  shadowDropped: (model: string) => number;
}): LocalRollouts {
  const { store } = deps;
  // Copies dropped by the daemon before the last restart: the gateway's counter starts at 0.
  const droppedBefore = new Map<string, number>();
  const droppedOf = (model: string): number => (droppedBefore.get(model) ?? 0) + deps.shadowDropped(model);
  // The last finished rollout of each model, with a shadow's dropped copies counted at its end
  // (the gateway forgets them with the variant); read back from the store after a restart.
  const finishedStates = new Map<string, RolloutState>();
  const withDropped = (r: RolloutState): RolloutState => (r.strategy === 'shadow' ? { ...r, dropped: droppedOf(r.model) } : r);

  const write = (model: string, snapshot: RolloutSnapshot | null): void => {
    try {
      if (snapshot !== null) saveRollout(store, model, { snapshot, dropped: droppedOf(model) }, Date.now());
      else {
        // At the end the controller already holds the finished state.
        const ended = controller.status(model);
        const finished = ended === null ? null : withDropped(ended);
        if (finished !== null) finishedStates.set(model, finished);
        droppedBefore.delete(model);
        saveFinishedRollout(store, model, finished, Date.now());
      }
    } catch (error) {
      deps.log(`${model}: cannot save its rollout: ${(error as Error).message}`);
    }
  };
  const saveCounters = (): void => {
    for (const snapshot of controller.snapshots()) write(snapshot.state.model, snapshot);
  };

  const controller = createRolloutController(
    {
      reroute: deps.reroute,
      promote: async (model, candidateId, finished) => {
        activateDeployment(store, candidateId);
        appendDeploymentReason(store, candidateId, rolloutRecord(finished));
        await deps.switchTo(model, candidateId);
        deps.log(`${model}: deployment #${candidateId} promoted; it serves every call`);
      },
      rollBack: async (model, candidateId, reason) => {
        deps.reroute(model);
        setDeploymentStatus(store, candidateId, 'failed');
        appendDeploymentReason(store, candidateId, reason);
        deps.log(`${model}: deployment #${candidateId}: ${reason}`);
        await deps.retire(candidateId);
      },
      saved: write,
    },
    deps.now,
  );
  const timer = setInterval(saveCounters, SAVE_EVERY_MS);
  timer.unref();

  return {
    controller,
    async end(model, why) {
      const ended = controller.supersede(model, why);
      if (ended === null) return;
      deps.reroute(model);
      setDeploymentStatus(store, ended.candidateDeploymentId, 'failed');
      appendDeploymentReason(store, ended.candidateDeploymentId, `${ended.strategy} ended: ${why}`);
      await deps.retire(ended.candidateDeploymentId);
    },
    saved() {
      const stored = loadRollouts(store, (model, why) => deps.log(`${model}: its saved rollout is unreadable (${why}); it ends`));
      for (const [model, finished] of stored.finished) finishedStates.set(model, finished);
      return stored.running;
    },
    resume(saved) {
      droppedBefore.set(saved.snapshot.state.model, saved.dropped);
      controller.resume(saved.snapshot);
    },
    forget({ snapshot, dropped }, reason) {
      const ended: RolloutState = { ...snapshot.state, comparison: RolloutWindow.restore(snapshot.window).summary(), outcome: 'rolled back', reason };
      const finished = ended.strategy === 'shadow' ? { ...ended, dropped } : ended;
      finishedStates.set(ended.model, finished);
      saveFinishedRollout(store, ended.model, finished, Date.now());
    },
    status(model) {
      const r = controller.status(model);
      if (r?.outcome === 'running') return withDropped(r);
      return finishedStates.get(model) ?? r;
    },
    close() {
      clearInterval(timer);
      saveCounters();
    },
  };
}
