// Canary and shadow rollouts in the in-cluster gateway: the same controller as the local daemon's
// (src/rollouts/), driven by the one gateway replica that holds the rollout Lease (rollout-leader.ts),
// with the model's Service as its record (rollout-annotations.ts). The apply starts a rollout by
// writing the annotations; the leader resumes it from them (as after a restart), counts its share
// of calls from the call tap, ends steps on its clock or when asked (`slipway promote --target`), and
// writes each step, the window every `saveEveryMs`, and the end. Every write is conditional on the
// Service's resourceVersion and on the rollout still being the one it drives, so an apply that
// superseded it (under the apply lock) always wins. Every replica, leader or not, routes by the
// annotations; the leader by its controller first, so a step reaches its own route at once.
import type { V1Service } from '@kubernetes/client-node';
import type { TappedCall } from '../../gateway/types.ts';
import { createRolloutController, type RolloutController, type RolloutState } from '../../rollouts/rollout-controller.ts';
import { KubeApiError, type KubeApi } from './kube-api.ts';
import { annotation, deploymentName, workloadName } from './names.ts';
import { endedAnnotations, requestFromService, rolloutAnnotation, runningAnnotations, snapshotFromService, variantFromService, type ServiceVariant } from './rollout-annotations.ts';
import { startRolloutLeader, type RolloutLeader } from './rollout-leader.ts';
import { scaleDeployment } from './scale-deployment.ts';
import { deploymentIdOf, modelDeployments } from './serving-switch.ts';

export type ClusterRolloutsOptions = {
  api: KubeApi;
  log: (line: string) => void;
  /** The model's Service as discovery last saw it. */
  service: (model: string) => V1Service | null;
  /** Every model with a Service. */
  models: () => string[];
  /** Gives the gateway the model's route again (weights changed, or the rollout ended). */
  refresh: (model: string) => void;
  /** Shadow copies this replica's gateway dropped under pressure, saved with the window for status. */
  dropped?: (model: string) => number;
  /** This replica's name in the Lease (the pod name in a cluster). */
  holder: string;
  leaseSeconds?: number;
  /** The controller's clock (tests inject one). */
  now?: () => number;
  /** How often the leader looks for a step whose time came (default 1 s; 0: only `tick`). */
  tickEveryMs?: number;
  /** How often the leader saves its windows' counters (default 10 s; 0: only at steps). */
  saveEveryMs?: number;
};

export type ClusterRollouts = {
  controller: RolloutController;
  leading(): boolean;
  /** The variant the model's route carries: the leader's controller first, else the Service's annotations. */
  variantOf(model: string, service: V1Service | null | undefined): ServiceVariant | null;
  /** Discovery saw the model's Service change (or go). */
  serviceChanged(model: string): void;
  /** The call tap: counted by the leader only. */
  record(call: TappedCall): void;
  /** Ends every step whose time came on the clock (the timer does this every `tickEveryMs`). */
  tick(): Promise<void>;
  /** Writes every window's counters now. */
  save(): Promise<void>;
  /** Resolves once every queued step, action and write is done. */
  idle(): Promise<void>;
  stop(): Promise<void>;
};

const serviceRef = (model: string) => ({ apiVersion: 'v1', kind: 'Service', name: workloadName(model) });

export function startClusterRollouts(opts: ClusterRolloutsOptions): ClusterRollouts {
  const { api, log } = opts;
  // One queue for everything that moves a rollout, so steps, requests and writes never interleave.
  let queue: Promise<void> = Promise.resolve();
  const run = (what: string, fn: () => Promise<void>): void => {
    queue = queue.then(fn).catch((error: Error) => log(`rollout: ${what}: ${error.message}`));
  };
  // The resourceVersion of the Service whose request was acted on: its echo must not act twice.
  const handled = new Map<string, string>();

  const controller: RolloutController = createRolloutController({
    reroute: (model) => opts.refresh(model),
    saved: (model, snapshot) => {
      if (snapshot !== null) run(`saving ${model}'s step`, () => writeRunning(model));
    },
    promote: async (model, candidateId, finished) => {
      const ended = await endOnService(model, candidateId, finished, { [annotation.servingDeploymentId]: String(candidateId) });
      if (!ended) return;
      const stopped: string[] = [];
      for (const d of await modelDeployments(api, model)) {
        if (deploymentIdOf(d) === candidateId || d.spec?.replicas === 0) continue;
        if (await scaleDeployment(api, d.metadata!.name!, 0)) stopped.push(d.metadata!.name!);
      }
      log(`${model}: ${finished.strategy} deployment #${candidateId} promoted (${finished.reason ?? 'its policy held'}); it serves every call${stopped.length > 0 ? `; ${stopped.join(', ')} scaled to 0` : ''}`);
    },
    rollBack: async (model, candidateId, reason) => {
      const finished = controller.status(model);
      if (finished === null || !(await endOnService(model, candidateId, finished, {}))) return;
      await scaleDeployment(api, deploymentName(model, candidateId), 0);
      log(`${model}: deployment #${candidateId}: ${reason}; ${deploymentName(model, candidateId)} scaled to 0 (deleted at the next apply, which records it failed)`);
    },
  }, opts.now);

  /** Reads the Service; null unless it still carries the rollout of `candidateId`. */
  async function current(model: string, candidateId: number): Promise<V1Service | null> {
    const service = await api.read<V1Service>(serviceRef(model));
    return snapshotFromService(service)?.state.candidateDeploymentId === candidateId ? service : null;
  }

  /** A merge patch of the Service's annotations made only if it has not changed since read; retried on conflict. */
  async function patchIf(model: string, candidateId: number, annotations: () => Record<string, string | null> | null): Promise<boolean> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const service = await current(model, candidateId);
      const wanted = annotations();
      if (service === null || wanted === null) return false;
      try {
        await api.mergePatch(serviceRef(model), { metadata: { resourceVersion: service.metadata?.resourceVersion, annotations: wanted } });
        return true;
      } catch (error) {
        if (!(error instanceof KubeApiError && error.status === 409)) throw error;
      }
    }
    throw new Error(`the Service ${workloadName(model)} kept changing while the gateway wrote its rollout; it tries again at the next save`);
  }

  async function writeRunning(model: string): Promise<void> {
    const mine = controller.variantOf(model);
    if (mine === null) return;
    const written = await patchIf(model, mine.deploymentId, () => {
      const snapshot = controller.snapshots().find((s) => s.state.model === model);
      if (snapshot === undefined) return null;
      if (snapshot.state.strategy === 'shadow' && opts.dropped) snapshot.state.dropped = opts.dropped(model);
      return { ...runningAnnotations(snapshot, (opts.now ?? Date.now)()), [rolloutAnnotation.request]: null };
    });
    // Not there any more: a newer apply ended it. The Service's event brings the rest.
    if (!written && controller.variantOf(model)?.deploymentId === mine.deploymentId) drop(model, 'the Service no longer names it (a newer apply)');
  }

  async function endOnService(model: string, candidateId: number, finished: RolloutState, extra: Record<string, string>): Promise<boolean> {
    const ended = await patchIf(model, candidateId, () => ({ ...endedAnnotations(finished), ...extra }));
    if (!ended) log(`${model}: the rollout of deployment #${candidateId} was ended elsewhere (a newer apply) before this gateway could ${finished.outcome === 'promoted' ? 'promote' : 'roll back'} it`);
    opts.refresh(model);
    return ended;
  }

  /** Forgets a rollout this replica drove, without acting: someone else ended or took it. */
  function drop(model: string, why: string): void {
    if (controller.supersede(model, why) !== null) opts.refresh(model);
  }

  /** Brings the controller in line with the Service: resumes, drops, and acts on a request. */
  async function sync(model: string): Promise<void> {
    if (!leader.leading()) return;
    const service = opts.service(model);
    const snapshot = snapshotFromService(service);
    const mine = controller.variantOf(model);
    if (snapshot === null || snapshot.state.outcome !== 'running') {
      if (mine !== null) drop(model, 'the Service no longer names it (a newer apply, or ended)');
      return;
    }
    if (mine?.deploymentId !== snapshot.state.candidateDeploymentId) {
      if (mine !== null) drop(model, `deployment #${snapshot.state.candidateDeploymentId} replaced it`);
      controller.resume(snapshot);
      log(`${model}: driving the ${snapshot.state.strategy} of deployment #${snapshot.state.candidateDeploymentId} (step ${snapshot.state.step + 1} of ${snapshot.state.steps.length})`);
      opts.refresh(model);
    }
    const request = requestFromService(service);
    const version = service?.metadata?.resourceVersion ?? '';
    if (request === null || handled.get(model) === version) return;
    handled.set(model, version);
    if (request === 'promote') await controller.promote(model);
    else await controller.endStep(model);
  }

  const leader: RolloutLeader = startRolloutLeader({
    api,
    holder: opts.holder,
    durationSeconds: opts.leaseSeconds,
    log,
    onChange: (leading) => {
      log(leading ? 'this gateway replica drives rollouts now' : 'this gateway replica no longer drives rollouts');
      for (const model of leading ? opts.models() : controller.snapshots().map((s) => s.state.model)) {
        run(`following ${model}'s rollout`, async () => (leading ? sync(model) : drop(model, 'another gateway replica drives rollouts now')));
      }
    },
  });

  const timers: NodeJS.Timeout[] = [];
  const every = (ms: number | undefined, fallback: number, fn: () => void): void => {
    if ((ms ?? fallback) <= 0) return;
    const timer = setInterval(fn, ms ?? fallback);
    timer.unref();
    timers.push(timer);
  };
  let ticking = false;
  const tick = (): Promise<void> => {
    ticking = true;
    run('ending a step', () => controller.tick());
    return queue.finally(() => {
      ticking = false;
    });
  };
  const save = (): Promise<void> => {
    for (const s of controller.snapshots()) run(`saving ${s.state.model}'s window`, () => writeRunning(s.state.model));
    return queue;
  };
  every(opts.tickEveryMs, 1000, () => {
    if (!ticking && leader.leading() && controller.due()) void tick();
  });
  every(opts.saveEveryMs, 10_000, () => {
    if (leader.leading()) void save();
  });

  return {
    controller,
    leading: () => leader.leading(),
    variantOf: (model, service) => controller.variantOf(model) ?? variantFromService(service),
    serviceChanged: (model) => run(`following ${model}'s Service`, () => sync(model)),
    record: (call) => {
      if (leader.leading()) controller.record(call);
    },
    tick,
    save,
    async idle() {
      await leader.ready;
      let seen: Promise<void> | null = null;
      while (seen !== queue) {
        seen = queue;
        await seen;
      }
    },
    async stop() {
      for (const timer of timers) clearInterval(timer);
      await queue;
      await leader.stop();
    },
  };
}

