// The local backend inside the daemon: turns deployments into replica processes and gateway routes.
// A new deployment's replicas start and become ready before its route replaces the old one; the
// old replicas then drain and stop, so a redeploy drops no call. With a gate, the model's examples
// are called on the new replicas directly (not through the gateway) before the route moves: a
// failing example stops them and leaves the previous deployment serving.
import { RolloutFailure, type Backend, type DeployOptions, type DeployResult } from '../backend.ts';
import { cancelReason } from '../../build/step-limits.ts';
import { gateCaller } from './gate-caller.ts';
import { recordDeploymentTests } from '../../store/deployment-tests.ts';
import type { Gateway, ModelRoute } from '../../gateway/types.ts';
import type { Change, LiveState, Observed } from '../../plan/types.ts';
import { servingHash } from '../../plan/serving-hash.ts';
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
import { ensureModel, listModels } from '../../store/models.ts';
import { readBuildInfo } from '../../build/build-info.ts';
import type { Supervisor } from '../../supervisor/supervisor.ts';
import { writeAccessKey } from './access-key-file.ts';
import { observeStore } from './observe.ts';
import { describeWarning } from '../../supervisor/load-report.ts';
import { resolveEnv, unresolvedMessage } from './resolve-env.ts';
import { deploymentCrn } from './deployment-crn.ts';

export type LocalDeployerOptions = {
  root: string;
  store: Store;
  supervisor: Supervisor;
  gateway: Gateway;
  gatewayUrl: string;
  /** Token replicas use for model-to-model calls and metrics (SLIPWAY_API_KEY, unless the deployment sets one). */
  internalToken: string;
  /** Called after access keys change, so the gateway's in-memory keyring is reloaded. */
  keysChanged: () => void;
  /** Called with the secret values of each deployment started, so the daemon's log masks them too. */
  secretsInUse?: (values: string[]) => void;
  log: (line: string) => void;
};

/** What runs for one model now. */
type Running = { deployment: StoredDeployment; stopped: boolean };

export type LocalDeployer = ReturnType<typeof createLocalDeployer>;

export function createLocalDeployer(opts: LocalDeployerOptions) {
  const { store, supervisor, gateway } = opts;
  const running = new Map<string, Running>();

  function routeFor(d: StoredDeployment, state: 'running' | 'stopped'): ModelRoute {
    const replicas = supervisor
      .list({ deploymentId: d.id })
      .filter((r) => r.state === 'ready' && r.origin)
      .map((r) => ({ id: r.id, origin: r.origin! }));
    return {
      name: d.model,
      deploymentId: d.id,
      build: d.buildNumber,
      state,
      auth: d.serving.auth,
      concurrency: d.serving.concurrency,
      timeoutMs: d.serving.timeoutSeconds * 1000,
      busyTimeoutMs: d.serving.busyTimeoutSeconds * 1000,
      maxRequestBytes: d.serving.maxRequestBytes,
      replicas,
    };
  }

  /** Re-lists a model's ready replicas with the gateway (after a restart, a replace, a crash). */
  function refreshRoute(model: string): void {
    const current = running.get(model);
    if (current && !current.stopped) gateway.setRoute(routeFor(current.deployment, 'running'));
  }

  supervisor.events.on('ready', (info, cause) => {
    if (cause !== 'start') gateway.countRestart(info.id);
    if (running.get(info.model)?.deployment.id === info.deploymentId) refreshRoute(info.model);
  });
  supervisor.events.on('unready', (info) => {
    if (running.get(info.model)?.deployment.id === info.deploymentId) refreshRoute(info.model);
  });

  /** Starts the replicas of deployment `d` from its build; resolves once all are ready, with what they warned of while loading. */
  async function startReplicas(d: StoredDeployment, build: StoredBuild, resolved: { env: Record<string, string>; secrets: string[] }): Promise<string[]> {
    const env = resolved.env;
    opts.secretsInUse?.(resolved.secrets);
    if (!build.artifact) throw new Error(`build #${build.number} of ${d.model} has no artifact; rebuild it`);
    const info = await readBuildInfo(build.artifact);
    if (!info.ok) throw new Error(info.message);
    const started = await supervisor.start({
      model: d.model,
      build: build.number,
      deploymentId: d.id,
      buildDir: build.artifact,
      python: info.info.python,
      runtime: info.info.runtime,
      library: info.info.library ?? null,
      file: info.info.file,
      function: info.info.function,
      replicas: d.serving.replicas,
      env: { SLIPWAY_API_KEY: opts.internalToken, SLIPWAY_MODEL_DEPLOYMENT_CRN: deploymentCrn(d.model, d.id), ...env },
      concurrency: d.serving.concurrency,
      gatewayUrl: opts.gatewayUrl,
      sandbox: { network: d.serving.sandbox?.network ?? true, paths: d.serving.sandbox?.paths ?? [] },
      maxRequestBytes: d.serving.maxRequestBytes,
      secrets: resolved.secrets,
      resources: { cpu: d.serving.resources.cpu, memory: d.serving.resources.memory },
    });
    // Every replica imports the same build: one replica's warnings say it for all.
    return (started[0]?.loadWarnings ?? []).map(describeWarning);
  }

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
  async function deploy(change: Change, build: StoredBuild, envSource: Record<string, string | undefined>, options: DeployOptions = {}): Promise<DeployResult> {
    const desired = change.desired;
    if (!desired) throw new Error(`${change.action} of ${change.model} has no declared model`);
    const serving: Serving = desired.serving;
    const env = resolveEnv(serving.env, envSource);
    if (!env.ok) throw new Error(unresolvedMessage(env));
    ensureModel(store, change.model);
    accessKeyFor(change.model);
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
    activateDeployment(store, id);
    await switchTo(change.model, { deployment: requireDeployment(store, id), stopped: desired.state === 'stopped' });
    return { deploymentId: id, ...(gate ? { gate } : {}), ...(warnings.length > 0 ? { warnings } : {}) };
  }

  return {
    /** A Backend for one apply; fromEnv secrets are read from `envSource`. */
    backendFor(envSource: Record<string, string | undefined>): Backend {
      return {
        name: 'local',
        observe: async () => observe(),
        deploy: (change, build, options) => deploy(change, build, envSource, options),
        stop: (model) => stopLive(model),
        delete: async (model) => {
          const current = running.get(model);
          running.delete(model);
          gateway.removeRoute(model);
          if (current) await retire(current.deployment.id);
          markDeleted(store, model);
        },
      };
    },

    /** Starts every deployment the store says should run (after a daemon restart). */
    async restore(envSource: Record<string, string | undefined>): Promise<string[]> {
      const problems: string[] = [];
      for (const model of listModels(store)) {
        if (model.deleted) continue;
        const d = latestApplied(store, model.name);
        if (!d || d.status !== 'active') continue;
        if (d.state === 'stopped') {
          running.set(model.name, { deployment: d, stopped: true });
          gateway.setRoute(routeFor(d, 'stopped'));
          continue;
        }
        const build = getBuild(store, model.name, d.buildNumber);
        const env = resolveEnv(d.serving.env, envSource);
        try {
          if (!build) throw new Error(`build #${d.buildNumber} is missing from the store`);
          if (!env.ok) throw new Error(unresolvedMessage(env, "in the daemon's environment"));
          await startReplicas(d, build, env);
          running.set(model.name, { deployment: d, stopped: false });
          gateway.setRoute(routeFor(d, 'running'));
          opts.log(`${model.name}: deployment #${d.id} (build #${d.buildNumber}) restored`);
        } catch (error) {
          problems.push(`${model.name}: cannot restore deployment #${d.id}: ${(error as Error).message}`);
        }
      }
      return problems;
    },

    observe,
    live,
    refreshRoute,

    /** Stops a model's replicas by hand; the record still says running, so a plan shows `repair`. */
    stopLive,

    /** Starts a model stopped by hand, with the deployment last applied. */
    async startLive(model: string, envSource: Record<string, string | undefined>): Promise<void> {
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
      await supervisor.stopAll();
    },
  };

  async function stopLive(model: string): Promise<void> {
    const current = running.get(model);
    if (!current) throw new Error(`${model} is not deployed`);
    running.set(model, { ...current, stopped: true });
    gateway.setRoute(routeFor(current.deployment, 'stopped'));
    await retire(current.deployment.id);
  }

  function live(): Map<string, LiveState> {
    const states = new Map<string, LiveState>();
    for (const model of listModels(store)) {
      if (model.deleted) continue;
      const d = latestApplied(store, model.name);
      if (!d) continue;
      const current = running.get(model.name);
      if (!current) {
        states.set(model.name, { state: 'missing', replicas: 0, readyReplicas: 0, deploymentId: null, servingHash: null });
        continue;
      }
      const replicas = current.stopped ? [] : supervisor.list({ deploymentId: current.deployment.id });
      states.set(model.name, {
        state: current.stopped ? 'stopped' : 'running',
        replicas: current.stopped ? 0 : replicas.length,
        readyReplicas: replicas.filter((r) => r.state === 'ready').length,
        deploymentId: current.deployment.id,
        servingHash: current.deployment.servingHash,
      });
    }
    return states;
  }

  function observe(): Observed {
    return observeStore(store, live());
  }
}

function requireDeployment(store: Store, id: number): StoredDeployment {
  const d = getDeployment(store, id);
  if (!d) throw new Error(`deployment #${id} vanished from the store`);
  return d;
}
