// The local daemon: store, gateway, supervisor and admin API in one process on loopback. It
// brings back what was deployed before it last stopped, then serves until `shutdown`.
import { DaemonStartError } from './daemon-start-error.ts';
import { listenOn } from './listen.ts';
import { routeDaemonRequests } from './request-router.ts';
import { bodyBudgetFromEnv } from '../gateway/body-budget.ts';
import { cacheFromEnv, type CacheRef } from '../build-cache/cache-ref.ts';
import { createDepsCache } from '../build-cache/deps-cache.ts';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import path from 'node:path';
import { createSnapshotBuilder } from '../build/snapshot-builder.ts';
import { createGateway } from '../gateway/gateway.ts';
import { gatewayServerOptions } from '../gateway/gateway-server.ts';
import { createGatewayMetrics } from '../gateway/prometheus.ts';
import { loadKeyring, type Keyring } from '../keys/keyring.ts';
import type { Repo } from '../source/repo.ts';
import { openStore } from '../store/database.ts';
import { recordMetrics } from '../store/metrics.ts';
import type { CallModel } from '../apply/test-calls.ts';
import { createAdminApi, isAdminToken } from './admin-api.ts';
import { createApplyRunner, type ApplyRunner } from './apply-runner.ts';
import { createFollowService } from '../follow/follow-service.ts';
import { createMetricsApi } from './metrics-api.ts';
import { pruneLocal } from '../backends/local/prune.ts';
import { removeDaemonInfo, writeDaemonInfo } from './daemon-info.ts';
import { createLocalDeployer, type LocalDeployer } from '../backends/local/local-deployer.ts';
import { stateDir, storePath } from '../backends/local/observe.ts';
import { createSupervisor } from '../supervisor/supervisor.ts';
import { detectSandbox } from '../sandbox/detect-sandbox.ts';
import { plainLauncher } from '../sandbox/plain-launcher.ts';
import { replicaRunDir } from '../supervisor/run-dir.ts';
import { privatizeState } from './private-state.ts';
import { probeCgroups, removeSubtree } from '../limits/cgroups.ts';
import { redactText, scrubList } from '../github/redact.ts';
import { modelStatus } from '../backends/local/status.ts';
import { bothTimers, createCallTally } from '../telemetry/call-tally.ts';
import { sweepingProcUsage } from '../telemetry/proc-usage.ts';
import { createSampler, startSampling, storeSink } from '../telemetry/sampler.ts';
import { rememberModelsFile } from '../store/ui-actions.ts';
import { createDashboard } from '../ui/dashboard.ts';
import { createExampleInputs } from '../ui/example-inputs.ts';
import { restoreDashboardState } from './dashboard-persistence.ts';
import { startRolloutTimer } from '../rollouts/rollout-timer.ts';
import { createCaptureRecorder } from '../capture/recorder.ts';

/** The daemon could not start; the message says why and what to do. */
export { DaemonStartError };

export type DaemonOptions = {
  repo: Repo;
  port: number;
  host?: string;
  log: (line: string) => void;
};

export type Daemon = {
  url: string;
  token: string;
  runner: ApplyRunner;
  deployer: LocalDeployer;
  status(): ReturnType<typeof modelStatus>;
  /** Resolves when the daemon has stopped (after `stop` or an admin shutdown). */
  stopped: Promise<void>;
  stop(): Promise<void>;
};


export async function startDaemon(opts: DaemonOptions): Promise<Daemon> {
  const root = opts.repo.root;
  const host = opts.host ?? '127.0.0.1';
  let cache: CacheRef | null;
  try {
    cache = cacheFromEnv(process.env);
  } catch (error) {
    throw new DaemonStartError((error as Error).message);
  }
  // Before anything is created: the store, logs, builds and sockets are the daemon user's alone.
  privatizeState(root);
  // Secret values of running deployments, masked in every line the daemon logs (a model error's
  // message and traceback may quote them).
  const secretValues = new Set<string>();
  let masked: string[] = [];
  const log = (line: string): void => opts.log(masked.length === 0 ? line : redactText(line, masked));
  const store = openStore(storePath(root));
  const token = randomBytes(24).toString('hex');
  // Given to replicas (SLIPWAY_API_KEY): lets model code call other models and track metrics,
  // never the admin API. It lives only in this process and its replicas.
  const internalToken = randomBytes(24).toString('hex');
  const trusted = (presented: string | null): boolean => isAdminToken(token, presented) || isAdminToken(internalToken, presented);
  let keyring: Keyring = loadKeyring(store);
  let supervisorRef: ReturnType<typeof createSupervisor> | null = null;

  const prometheus = createGatewayMetrics();
  // "Last used" and dashboard sessions from the daemon before this one; saved again as they change.
  const dashboardState = restoreDashboardState(store, log);
  const { keyUse, sessions } = dashboardState;
  const tally = createCallTally();
  const capture = createCaptureRecorder({ store, log });
  const gateway = createGateway({
    // Capture and rollouts share the call tap; `deployer` exists by the time a route is set.
    tap: (model) => {
      const captured = capture.tap(model);
      return (call) => {
        captured(call);
        deployer.rollouts.record(call);
      };
    },
    bodyBudgetBytes: bodyBudgetFromEnv(process.env, log),
    callTimer: bothTimers(prometheus.callTimer, tally.callTimer),
    modelForAccessKey: (key) => keyring.modelForAccessKey(key),
    // The daemon's own token may call any model: test calls after apply, and `slipway call`.
    authorize: (apiKey, model) => {
      if (trusted(apiKey)) return 'ok';
      const verdict = keyring.verifyApiKey(apiKey, model);
      if (verdict === 'ok') keyUse.used(apiKey, Date.now());
      return verdict;
    },
    recordMetrics: (m) => {
      try {
        recordMetrics(store, { model: m.model, deploymentId: m.deploymentId, replicaId: m.replicaId, uuid: m.uuid, metrics: m.metrics });
      } catch (error) {
        log(`cannot store metrics of ${m.model}: ${(error as Error).message}`);
      }
    },
    onReplicaTimeout: (id) => {
      supervisorRef?.replace(id, 'a call ran past its timeout').catch((error: Error) => log(`replacing ${id} failed: ${error.message}`));
    },
    diagnoseDeath: (id) => {
      // Bounded: a replica that takes long to exit is reported as died, not waited for.
      const known = supervisorRef?.killedByMemoryLimit(id) ?? Promise.resolve(false);
      const bound = new Promise<boolean>((resolve) => setTimeout(resolve, 2000, false).unref());
      return Promise.race([known, bound]).then((oom) => (oom ? 'out_of_memory' : null));
    },
    onReplicaDied: (id) => {
      // The supervisor restarts a process that exited; one that still runs is listed again.
      const info = supervisorRef?.list().find((r) => r.id === id);
      if (info?.state === 'ready') setTimeout(() => deployer.refreshRoute(info.model), 100).unref();
    },
    log,
  });

  prometheus.attach(gateway);
  const server: Server = createServer(gatewayServerOptions);
  let url: string;
  let port: number;
  try {
    ({ url, port } = await listenOn(server, opts.port, host));
  } catch (error) {
    store.close();
    throw error;
  }

  // Model code is untrusted: replicas run sandboxed where this machine allows it, and the daemon
  // says once when it does not (status repeats it).
  const sandbox = detectSandbox();
  const sandboxNote = sandbox.ok ? sandbox.launcher.name : `none: replicas are not sandboxed (${sandbox.reason})`;
  if (!sandbox.ok) log(`warning: ${sandboxNote}`);
  const cgroups = probeCgroups();
  if (cgroups.reason !== null) log(cgroups.reason);
  const supervisor = createSupervisor({
    logDir: path.join(stateDir(root), 'logs'),
    runDir: replicaRunDir(stateDir(root)),
    cgroups,
    launcher: sandbox.ok ? sandbox.launcher : plainLauncher,
  });
  supervisorRef = supervisor;
  const deployer = createLocalDeployer({
    root,
    store,
    supervisor,
    gateway,
    gatewayUrl: url,
    internalToken,
    keysChanged: () => {
      keyring = loadKeyring(store);
    },
    secretsInUse: (values) => {
      for (const value of values) secretValues.add(value);
      masked = scrubList(secretValues);
    },
    log,
  });
  const callModel: CallModel = async (model, input) => {
    const response = await fetch(`${url}/models/${encodeURIComponent(model)}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify(input),
    });
    const body = (await response.json().catch(() => ({}))) as { success?: boolean; response?: unknown; message?: string };
    return body.success ? { ok: true, response: body.response } : { ok: false, status: response.status, message: body.message ?? response.statusText };
  };
  const sampler = createSampler({
    sink: storeSink(store),
    tally,
    stats: () => gateway.stats(),
    processes: () => supervisor.list(),
    usage: sweepingProcUsage(),
    log: opts.log,
  });
  const stopSampling = startSampling(sampler, opts.log);
  const builder = createSnapshotBuilder({ stateDir: stateDir(root), cache: cache && createDepsCache(cache) });
  if (cache) log(`build cache: dependencies are pulled from and pushed to ${cache.repository}`);
  const baseRunner = createApplyRunner({ repo: opts.repo, store, builder, deployer, callModel });
  // The dashboard prefills each model's example from the models file last applied.
  const runner: ApplyRunner = {
    ...baseRunner,
    apply: (req) => {
      rememberModelsFile(store, req.file);
      // The apply saved the models' capture settings: calls after it are captured by them.
      return baseRunner.apply(req).finally(() => capture.reload());
    },
  };
  const stopRollouts = startRolloutTimer({
    due: () => deployer.rollouts.due(),
    tick: () => deployer.rollouts.tick(),
    exclusive: (fn) => runner.exclusive({ log: () => {}, lockTimeoutSeconds: 3600 }, fn),
    log,
  });

  let resolveStopped!: () => void;
  const stopped = new Promise<void>((resolve) => {
    resolveStopped = resolve;
  });
  let stopping: Promise<void> | null = null;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      log('stopping: draining calls and stopping replicas');
      follow.stop();
      stopSampling();
      stopRollouts();
      dashboardState.close();
      // An apply still building would keep the process alive; what it did not finish stays undone.
      runner.cancelAll('the daemon is stopping');
      await deployer.stopAll();
      await gateway.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      removeSubtree(cgroups);
      removeDaemonInfo(root, process.pid);
      capture.close();
      store.close();
      resolveStopped();
    })();
    return stopping;
  };

  const follow = createFollowService({ repo: opts.repo, runner, log });
  const admin = createAdminApi({
    follow,
    token,
    runner,
    deployer,
    supervisor,
    gateway,
    reloadKeys: () => {
      keyring = loadKeyring(store);
    },
    shutdown: () => void stop(),
    prune: (pruneOpts) => runner.exclusive({ log: log }, () => pruneLocal(store, stateDir(root), pruneOpts)),
    root,
    gatewayUrl: url,
    sandbox: sandboxNote,
    cgroups,
  });
  const metricsApi = createMetricsApi({ store, keyring: () => keyring, trusted });
  const dashboard = createDashboard({
    store, deployer, supervisor, gateway, root, url, token, keyUse, sessions,
    unsampled: () => sampler.unsampled(),
    reloadKeys: () => {
      keyring = loadKeyring(store);
    },
    exampleInputs: createExampleInputs(store, root),
    log: opts.log,
  });
  routeDaemonRequests(server, { metricsApi, dashboard, prometheus, admin, gateway, log, dashboardLog: opts.log });

  // Restore first, so a CLI that finds daemon.json finds the models it had too.
  for (const problem of await deployer.restore(process.env as Record<string, string | undefined>)) log(problem);
  writeDaemonInfo(root, { pid: process.pid, host, port, token, root, startedAt: new Date().toISOString() });
  await follow.resume();
  const status = () => modelStatus({ deployer, supervisor, gateway, root, gatewayUrl: url, cgroups, sandbox: sandboxNote });
  return { url, token, runner, deployer, status, stopped, stop };
}
