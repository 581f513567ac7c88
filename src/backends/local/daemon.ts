// The local daemon: store, gateway, supervisor and admin API in one process on loopback. It
// brings back what was deployed before it last stopped, then serves until `shutdown`.
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import path from 'node:path';
import { createSnapshotBuilder } from '../../build/snapshot-builder.ts';
import { createGateway } from '../../gateway/gateway.ts';
import { gatewayServerOptions } from '../../gateway/gateway-server.ts';
import { createGatewayMetrics } from '../../gateway/prometheus.ts';
import { loadKeyring, type Keyring } from '../../keys/keyring.ts';
import type { Repo } from '../../source/repo.ts';
import { openStore } from '../../store/database.ts';
import { recordMetrics } from '../../store/metrics.ts';
import type { CallModel } from '../../apply/test-calls.ts';
import { createAdminApi, isAdminToken } from './admin-api.ts';
import { createApplyRunner, type ApplyRunner } from './apply-runner.ts';
import { createMetricsApi } from './metrics-api.ts';
import { pruneLocal } from './prune.ts';
import { removeDaemonInfo, writeDaemonInfo } from './daemon-info.ts';
import { createLocalDeployer, type LocalDeployer } from './local-deployer.ts';
import { stateDir, storePath } from './observe.ts';
import { createSupervisor } from './supervisor.ts';
import { modelStatus } from './status.ts';
import { packagePath } from '../../package-paths.ts';

/** The daemon could not start; the message says why and what to do. */
export class DaemonStartError extends Error {
  override name = 'DaemonStartError';
}

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

const runtimeDir = packagePath('runtime', 'python');

export async function startDaemon(opts: DaemonOptions): Promise<Daemon> {
  const root = opts.repo.root;
  const host = opts.host ?? '127.0.0.1';
  const store = openStore(storePath(root));
  const token = randomBytes(24).toString('hex');
  // Given to replicas (SLIPWAY_API_KEY): lets model code call other models and track metrics,
  // never the admin API. It lives only in this process and its replicas.
  const internalToken = randomBytes(24).toString('hex');
  const trusted = (presented: string | null): boolean => isAdminToken(token, presented) || isAdminToken(internalToken, presented);
  let keyring: Keyring = loadKeyring(store);
  let supervisorRef: ReturnType<typeof createSupervisor> | null = null;

  const prometheus = createGatewayMetrics();
  const gateway = createGateway({
    callTimer: prometheus.callTimer,
    modelForAccessKey: (key) => keyring.modelForAccessKey(key),
    // The daemon's own token may call any model: test calls after apply, and `slipway call`.
    authorize: (apiKey, model) => (trusted(apiKey) ? 'ok' : keyring.verifyApiKey(apiKey, model)),
    recordMetrics: (m) => {
      try {
        recordMetrics(store, { model: m.model, deploymentId: m.deploymentId, replicaId: m.replicaId, uuid: m.uuid, metrics: m.metrics });
      } catch (error) {
        opts.log(`cannot store metrics of ${m.model}: ${(error as Error).message}`);
      }
    },
    onReplicaTimeout: (id) => {
      supervisorRef?.replace(id, 'a call ran past its timeout').catch((error: Error) => opts.log(`replacing ${id} failed: ${error.message}`));
    },
    onReplicaDied: (id) => {
      // The supervisor restarts a process that exited; one that still runs is listed again.
      const info = supervisorRef?.list().find((r) => r.id === id);
      if (info?.state === 'ready') setTimeout(() => deployer.refreshRoute(info.model), 100).unref();
    },
    log: opts.log,
  });

  prometheus.attach(gateway);
  const server: Server = createServer(gatewayServerOptions);
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      store.close();
      reject(
        error.code === 'EADDRINUSE'
          ? new DaemonStartError(`port ${opts.port} on ${host} is already in use: stop what listens there, or choose another with --port`)
          : error,
      );
    });
    server.listen(opts.port, host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : opts.port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

  const supervisor = createSupervisor({ runtimeDir, logDir: path.join(stateDir(root), 'logs') });
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
    log: opts.log,
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
  const builder = createSnapshotBuilder({ stateDir: stateDir(root) });
  const runner = createApplyRunner({ repo: opts.repo, store, builder, deployer, callModel });

  let resolveStopped!: () => void;
  const stopped = new Promise<void>((resolve) => {
    resolveStopped = resolve;
  });
  let stopping: Promise<void> | null = null;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      opts.log('stopping: draining calls and stopping replicas');
      // An apply still building would keep the process alive; what it did not finish stays undone.
      runner.cancelAll('the daemon is stopping');
      await deployer.stopAll();
      await gateway.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      removeDaemonInfo(root, process.pid);
      store.close();
      resolveStopped();
    })();
    return stopping;
  };

  const admin = createAdminApi({
    token,
    runner,
    deployer,
    supervisor,
    gateway,
    reloadKeys: () => {
      keyring = loadKeyring(store);
    },
    shutdown: () => void stop(),
    prune: (pruneOpts) => runner.exclusive({ log: opts.log }, () => pruneLocal(store, stateDir(root), pruneOpts)),
    root,
    gatewayUrl: url,
  });
  const metricsApi = createMetricsApi({ store, keyring: () => keyring, trusted });
  server.on('request', (req, res) => {
    if (req.url?.startsWith('/api/v1/metrics')) {
      metricsApi(req, res).catch((error: Error) => {
        opts.log(`metrics API error: ${error.stack ?? error.message}`);
        if (!res.headersSent) res.writeHead(500).end();
        else res.end();
      });
    } else if (req.url === '/metrics') {
      prometheus.handle(req, res);
    } else if (req.url?.startsWith('/admin/')) {
      admin(req, res).catch((error: Error) => {
        opts.log(`admin error: ${error.stack ?? error.message}`);
        const body = JSON.stringify({ error: `the daemon failed: ${error.message}` });
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' }).end(body);
        else res.end();
      });
    } else {
      gateway.handle(req, res);
    }
  });
  server.on('clientError', (err, socket) => gateway.handleClientError(err, socket));

  // Restore first, so a CLI that finds daemon.json finds the models it had too.
  for (const problem of await deployer.restore(process.env as Record<string, string | undefined>)) opts.log(problem);
  writeDaemonInfo(root, { pid: process.pid, host, port, token, root, startedAt: new Date().toISOString() });
  const status = () => modelStatus({ deployer, supervisor, gateway, root, gatewayUrl: url });
  return { url, token, runner, deployer, status, stopped, stop };
}
