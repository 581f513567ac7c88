// The local backend inside the daemon: turns deployments into replica processes and gateway routes.
// A new deployment's replicas start and become ready before its route replaces the old one; the
// old replicas then drain and stop, so a redeploy drops no call. With a gate, the model's examples
// are called on the new replicas directly (not through the gateway) before the route moves: a
// failing example stops them and leaves the previous deployment serving.
import { RolloutFailure, type Backend, type DeployOptions, type DeployResult, type StartedRollout } from '../backend.ts';
import { cancelReason } from '../../build/step-limits.ts';
import { gateCaller } from './gate-caller.ts';
import { recordDeploymentTests } from '../../store/deployment-tests.ts';
import type { ModelRoute } from '../../gateway/types.ts';
import type { Change, LiveState, Observed } from '../../plan/types.ts';
import { servingHash } from '../../plan/serving-hash.ts';
import { routeSettings } from '../serving-route.ts';
import type { Serving } from '../../spec/types.ts';
import { ensureAccessKey } from '../../keys/access-keys.ts';
import type { Store } from '../../store/database.ts';
import type { StoredBuild } from '../../store/builds.ts';
import { getBuild } from '../../store/builds.ts';
import {
  activateDeployment,
  getDeployment,
  insertDeployment,
  latestApplied,
  markDeleted,
  setDeploymentStatus,
  type StoredDeployment,
} from '../../store/deployments.ts';
import { ensureModel } from '../../store/models.ts';
import { writeAccessKey } from './access-key-file.ts';
import { observeStore } from './observe.ts';
import { resolveEnv, unresolvedMessage } from './resolve-env.ts';
import { liveStates, type Running } from './live-state.ts';
import type { EnvSource, LocalDeployer, LocalDeployerOptions } from './local-deployer-types.ts';
import { startDeploymentReplicas } from './replica-start.ts';
import { createLocalRollouts } from './local-rollouts.ts';
import { restoreDeployments } from './restore-deployments.ts';

export type { LocalDeployer, LocalDeployerOptions } from './local-deployer-types.ts';

/** The local deployer over `opts.supervisor` and `opts.gateway` (see `LocalDeployer`). */
export function createLocalDeployer(opts: LocalDeployerOptions): LocalDeployer {
  const { store, supervisor, gateway } = opts;
  const running = new Map<string, Running>();

  const readyOf = (deploymentId: number) => supervisor
    .list({ deploymentId })
    .filter((r) => r.state === 'ready' && r.origin)
    .map((r) => ({ id: r.id, origin: r.origin! }));

  /** The route of `d` as primary, with the canary or shadow of a rollout in progress beside it. */
  function routeFor(d: StoredDeployment, state: 'running' | 'stopped'): ModelRoute {
    const route: ModelRoute = { name: d.model, ...routeSettings({ deploymentId: d.id, build: d.buildNumber, state, serving: d.serving }), replicas: readyOf(d.id) };
    const variant = rollouts.variantOf(d.model);
    const candidate = variant === null ? null : getDeployment(store, variant.deploymentId);
    if (variant !== null && candidate !== null && state === 'running') {
      route.variants = [{ ...variant, build: candidate.buildNumber, replicas: readyOf(variant.deploymentId) }];
    }
    return route;
  }

  // Canary and shadow rollouts: the controller decides, the deployer's switch and retire carry it out.
  const localRollouts = createLocalRollouts({
    store,
    log: opts.log,
    now: opts.now,
    reroute: (model) => refreshRoute(model),
    switchTo: (model, id) => switchTo(model, { deployment: requireDeployment(store, id), stopped: false }),
    retire: (id) => retire(id),
    shadowDropped: (model) => gateway.shadowDropped(model),
  });
  const rollouts = localRollouts.controller;
  const endRollout = localRollouts.end;

  /** Re-lists a model's ready replicas with the gateway (after a restart, a replace, a crash). */
  function refreshRoute(model: string): void {
    const current = running.get(model);
    if (current && !current.stopped) gateway.setRoute(routeFor(current.deployment, 'running'));
  }

  supervisor.events.on('ready', (info, cause) => {
    if (cause !== 'start') gateway.countRestart(info.id);
    if (routed(info.model, info.deploymentId)) refreshRoute(info.model);
  });
  supervisor.events.on('unready', (info) => {
    if (routed(info.model, info.deploymentId)) refreshRoute(info.model);
  });

  /** Whether the model's route lists this deployment's replicas: its primary, or the variant of a rollout. */
  function routed(model: string, deploymentId: number): boolean {
    return running.get(model)?.deployment.id === deploymentId || rollouts.variantOf(model)?.deploymentId === deploymentId;
  }

  const startReplicas = (d: StoredDeployment, build: StoredBuild, resolved: { env: Record<string, string>; secrets: string[] }) => startDeploymentReplicas(opts, d, build, resolved);

  /** Moves traffic from whatever ran before to `next`, then drains and stops the old replicas. */
  async function switchTo(model: string, next: Running): Promise<void> {
    const previous = running.get(model);
    running.set(model, next);
    gateway.setRoute(routeFor(next.deployment, next.stopped ? 'stopped' : 'running'));
    if (previous && previous.deployment.id !== next.deployment.id) await retire(previous.deployment.id);
  }

  async function retire(deploymentId: number): Promise<void> {
    const old = supervisor.list({ deploymentId }).map((r) => r.id);
    await gateway.drain(old);
    await supervisor.stop(deploymentId);
  }

  function accessKeyFor(model: string): void {
    const fresh = ensureAccessKey(store, model);
    if (fresh) {
      writeAccessKey(opts.root, model, fresh);
      opts.keysChanged();
    }
  }

  /** Deploys one change: a new deployment record, replicas up and ready, examples passed (gate), traffic switched. */
  async function deploy(change: Change, build: StoredBuild, envSource: EnvSource, options: DeployOptions = {}): Promise<DeployResult> {
    const desired = change.desired;
    if (!desired) throw new Error(`${change.action} of ${change.model} has no declared model`);
    const serving: Serving = desired.serving;
    const env = resolveEnv(serving.env, envSource);
    if (!env.ok) throw new Error(unresolvedMessage(env));
    ensureModel(store, change.model);
    accessKeyFor(change.model);
    await endRollout(change.model, `a newer ${change.action} replaced it`);
    const id = insertDeployment(store, {
      model: change.model,
      buildNumber: build.number,
      serving,
      servingHash: servingHash(serving),
      state: desired.state,
      actor: options.actor ?? `user:${process.env.USER ?? 'slipway'}`,
      gitCommit: options.gitCommit ?? null,
      reason: `${change.action}: ${change.reasons.join('; ') || 'as declared'}`,
    });
    const deployment = requireDeployment(store, id);
    let warnings: string[] = [];
    if (desired.state === 'running') {
      try {
        warnings = await startReplicas(deployment, build, env);
      } catch (error) {
        setDeploymentStatus(store, id, 'failed');
        throw new RolloutFailure((error as Error).message, { cause: error });
      }
    }
    // Cancelled while its replicas started: they go, and traffic never moved to them.
    if (options.signal?.aborted) {
      await supervisor.stop(id);
      setDeploymentStatus(store, id, 'failed');
      throw new Error(`deployment #${id} cancelled before traffic moved to it: ${cancelReason(options.signal)}`);
    }
    let gate: DeployResult['gate'];
    if (desired.state === 'running' && options.gate) {
      const tests = await options.gate(gateCaller(supervisor, deployment));
      recordDeploymentTests(store, id, tests);
      gate = { tests, passed: tests.every((t) => t.pass) };
      if (!gate.passed) {
        setDeploymentStatus(store, id, 'failed');
        await supervisor.stop(id);
        return { deploymentId: id, gate, ...(warnings.length > 0 ? { warnings } : {}) };
      }
    }
    const live = running.get(change.model);
    if (desired.rolloutPolicy && desired.state === 'running' && live && !live.stopped) {
      // The new deployment passed its examples: it serves (canary) or mirrors (shadow) a share
      // of calls beside the live one until the controller promotes or rolls it back.
      rollouts.start(change.model, desired.rolloutPolicy, { id: live.deployment.id, build: live.deployment.buildNumber }, { id, build: build.number });
      refreshRoute(change.model);
      const { strategy } = desired.rolloutPolicy;
      const share = strategy === 'canary' ? `serves ${desired.rolloutPolicy.steps[0]} % of calls` : 'gets a copy of every call';
      opts.log(`${change.model}: deployment #${id} is a ${strategy}: it ${share} beside deployment #${live.deployment.id}`);
      const rollout: StartedRollout = strategy === 'canary' ? { strategy, weight: desired.rolloutPolicy.steps[0]! } : { strategy };
      return { deploymentId: id, rollout, ...(gate ? { gate } : {}), ...(warnings.length > 0 ? { warnings } : {}) };
    }
    activateDeployment(store, id);
    await switchTo(change.model, { deployment: requireDeployment(store, id), stopped: desired.state === 'stopped' });
    return { deploymentId: id, ...(gate ? { gate } : {}), ...(warnings.length > 0 ? { warnings } : {}) };
  }

  return {
    /** A Backend for one apply; fromEnv secrets are read from `envSource`. */
    backendFor(envSource: EnvSource): Backend {
      return {
        name: 'local',
        observe: async () => observe(),
        deploy: (change, build, options) => deploy(change, build, envSource, options),
        stop: (model) => stopLive(model),
        delete: async (model) => {
          await endRollout(model, 'the model was deleted');
          const current = running.get(model);
          running.delete(model);
          gateway.removeRoute(model);
          if (current) await retire(current.deployment.id);
          markDeleted(store, model);
        },
      };
    },

    /** Starts every deployment the store says should run (after a daemon restart). */
    restore: (envSource: EnvSource) => restoreDeployments({
      store, running, setRoute: (route) => gateway.setRoute(route), routeFor, startReplicas, rollouts: localRollouts, refreshRoute, log: opts.log,
    }, envSource),

    observe,
    live,
    refreshRoute,
    rollouts,
    rolloutStatus: (model) => localRollouts.status(model),

    /** Stops a model's replicas by hand; the record still says running, so a plan shows `repair`. */
    stopLive,

    /** Starts a model stopped by hand, with the deployment last applied. */
    async startLive(model: string, envSource: EnvSource): Promise<void> {
      const d = latestApplied(store, model);
      if (!d || d.status !== 'active') throw new Error(`${model} has no active deployment; apply first`);
      const current = running.get(model);
      if (current && !current.stopped && supervisor.list({ deploymentId: d.id }).length > 0) return;
      const build = getBuild(store, model, d.buildNumber);
      if (!build) throw new Error(`build #${d.buildNumber} of ${model} is missing`);
      const env = resolveEnv(d.serving.env, envSource);
      if (!env.ok) throw new Error(unresolvedMessage(env));
      await startReplicas(d, build, env);
      running.set(model, { deployment: d, stopped: false });
      refreshRoute(model);
    },

    async stopAll(): Promise<void> {
      localRollouts.close();
      await supervisor.stopAll();
    },
  };

  async function stopLive(model: string): Promise<void> {
    const current = running.get(model);
    if (!current) throw new Error(`${model} is not deployed`);
    await endRollout(model, 'the model was stopped');
    running.set(model, { ...current, stopped: true });
    gateway.setRoute(routeFor(current.deployment, 'stopped'));
    await retire(current.deployment.id);
  }

  function live(): Map<string, LiveState> {
    return liveStates(store, supervisor, running);
  }

  /**
   * The store's view with the live state. During a rollout the model's applied deployment is the
   * one being rolled out: a plan of the same models.yaml is then a noop instead of a redeploy that
   * would end the rollout (status still names the live deployment, from the rollout).
   */
  function observe(): Observed {
    const observed = observeStore(store, live());
    for (const m of observed.models) {
      const variant = rollouts.variantOf(m.name);
      const candidate = variant === null ? null : getDeployment(store, variant.deploymentId);
      if (candidate === null) continue;
      const replicas = supervisor.list({ deploymentId: candidate.id });
      m.deployment = { id: candidate.id, build: candidate.buildNumber, serving: candidate.serving, servingHash: candidate.servingHash, state: candidate.state };
      m.live = {
        state: 'running', replicas: replicas.length, readyReplicas: replicas.filter((r) => r.state === 'ready').length,
        deploymentId: candidate.id, servingHash: candidate.servingHash,
      };
    }
    return observed;
  }
}

function requireDeployment(store: Store, id: number): StoredDeployment {
  const d = getDeployment(store, id);
  if (!d) throw new Error(`deployment #${id} vanished from the store`);
  return d;
}
