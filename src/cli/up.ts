// `slipway up`: serve every model of models.yaml on this machine, print ready-to-paste curls, and
// apply again whenever the files change. `-d` leaves a daemon in the background; `slipway down`
// stops it. `slipway daemon` is what `-d` (and `apply`) start in the background.
import type { Command } from 'commander';
import { ensureDaemon, findDaemon, type AdminClient } from '../daemon/admin-client.ts';
import { DaemonStartError, startDaemon } from '../daemon/daemon.ts';
import type { ModelStatus } from '../backends/local/status.ts';
import { desiredFingerprint } from '../daemon/desired-fingerprint.ts';
import { watchTree } from '../daemon/watch.ts';
import { readDaemonInfo } from '../daemon/daemon-info.ts';
import { processAlive } from '../process-alive.ts';
import { createWatchApplier } from '../daemon/watch-apply.ts';
import { secretNames } from '../apply/desired.ts';
import type { Spec } from '../spec/types.ts';
import { renderApplyResult, renderEndpoints } from './apply-output.ts';
import { apiKeyHint } from './api-key-hint.ts';
import { createBuildOutput } from './build-output.ts';
import { CliError } from './cli-error.ts';
import { loadDesired } from './desired.ts';
import { applyViaDaemon } from '../daemon/remote-apply.ts';
import { openWorkspace, type Workspace } from '../workspace/workspace.ts';

type UpOptions = { file?: string; port: string; host?: string; detach?: boolean; watch?: boolean; follow?: string; interval?: string; target?: string };

export function registerUp(program: Command): void {
  program
    .command('up')
    .description('build and serve every model on this machine, and redeploy when files change')
    .option('-f, --file <path>', 'the models file (default: the nearest models.yaml)')
    .option('--port <port>', 'gateway and admin port', '8700')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('-d, --detach', 'run the daemon in the background')
    .option('--no-watch', 'apply only when asked (`slipway apply`), not when files change')
    .option('--follow <remote/branch>', 'a background daemon follows this branch (origin/main), never the working tree')
    .option('--interval <duration>', 'with --follow: how often to fetch (30s, 5m; default 30s, or the target\'s follow.interval)')
    .option('-t, --target <name>', 'a local target of models.yaml; one with `follow:` makes the daemon follow its branch')
    .action(async (opts: UpOptions) => {
      if (opts.follow) return (await import('../follow/follow-command.ts')).upFollow({ ...opts, follow: opts.follow });
      const ws = await openWorkspace({ file: opts.file });
      const desired = await loadDesired(ws, { forApply: true });
      const follow = opts.target === undefined ? undefined : localTargetFollow(desired.spec, opts.target);
      if (follow) {
        const { upFollow } = await import('../follow/follow-command.ts');
        return upFollow({ ...opts, follow: follow.branch, interval: opts.interval ?? `${follow.intervalMs / 1000}s` });
      }
      if (opts.detach) return upDetached(ws, desired.spec, opts);
      if (findDaemon(ws.root)) throw new CliError(`a daemon already runs for ${ws.root}: \`slipway down\` first, or use \`slipway apply\``);
      await serve(ws, opts, true, opts.watch !== false);
    });

  program
    .command('daemon', { hidden: true })
    .description('run the daemon in the foreground without an initial apply (what -d starts)')
    .option('-f, --file <path>', 'the models file to watch')
    .option('--port <port>', 'gateway and admin port', '8700')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--watch', 'apply when files change')
    .action(async (opts: UpOptions & { watch?: boolean }) => {
      // A daemon serves whatever models file an apply names; it needs one only to watch it.
      const ws = await openWorkspace({ file: opts.file, needModels: opts.watch === true });
      await serve(ws, opts, false, opts.watch === true);
    });

  program
    .command('down')
    .description('stop the background daemon (replicas finish their calls first)')
    .action(async () => {
      const ws = await openWorkspace({ needModels: false });
      const client = findDaemon(ws.root);
      if (!client) {
        process.stdout.write('no daemon is running\n');
        return;
      }
      const pid = readDaemonInfo(ws.root)?.pid;
      await client.json('POST', 'shutdown');
      // "stopped" means the process is gone, not only its daemon.json: a new daemon may start next.
      const running = () => findDaemon(ws.root) !== null || (pid !== undefined && processAlive(pid));
      for (let i = 0; i < 300 && running(); i++) await new Promise((r) => setTimeout(r, 100));
      process.stdout.write('daemon stopped\n');
    });
}

/** The `follow` of the local target `name` (undefined when it has none), or a CliError for a name that is not a local target. */
function localTargetFollow(spec: Spec, name: string): { branch: string; intervalMs: number } | undefined {
  const target = spec.targets && Object.hasOwn(spec.targets, name) ? spec.targets[name] : undefined;
  if (!target) {
    const known = Object.keys(spec.targets ?? {});
    throw new CliError(`models.yaml declares no target "${name}" (${known.length ? `targets: ${known.join(', ')}` : 'it has no targets section'})`);
  }
  if (target.backend !== 'local') throw new CliError(`target "${name}" is a ${target.backend} target: \`slipway up\` serves models on this machine; deploy to it with \`slipway apply --target ${name}\``);
  return target.follow;
}

/** Runs the daemon in this process until Ctrl-C, applying first when `applyNow`. */
async function serve(ws: Workspace, opts: UpOptions, applyNow: boolean, watch = true): Promise<void> {
  const stamped = (line: string) => `${new Date().toISOString()} ${line}\n`;
  const log = (line: string) => process.stderr.write(stamped(line));
  let daemon: Awaited<ReturnType<typeof startDaemon>>;
  try {
    daemon = await startDaemon({ repo: ws.repo, port: Number(opts.port), host: opts.host, log });
  } catch (error) {
    if (error instanceof DaemonStartError) throw new CliError(error.message);
    throw error;
  }
  log(`Slipway daemon serving at ${daemon.url} (admin token in .slipway/daemon.json)`);
  log(`Dashboard: ${daemon.url}/ (log in with the admin token from .slipway/daemon.json, or an API key)`);
  const applyOnce = async (first = false): Promise<void> => {
    // A newer change cancels an apply still building the older one.
    // A background daemon (no initial apply) writes to its log file, which keeps every build line.
    const tty = process.stderr.isTTY === true;
    const output = createBuildOutput({ tty: tty || !applyNow, progress: tty, write: (text) => process.stderr.write(text), formatLog: stamped });
    const result = await daemon.runner.apply({ file: ws.modelsFile, env: {}, log: output.onLog, buildLog: output.onBuild, supersede: true });
    output.done();
    const changed = !result.ok || result.report.outcomes.length > 0;
    if (changed) process.stdout.write(renderApplyResult(result, { buildStreamed: output.streamed }));
    if (result.ok && (first || changed)) {
      const examples = (name: string) => result.plan.changes.find((c) => c.model === name)?.desired?.examples[0]?.input;
      const models = daemon.status().models;
      process.stdout.write(renderEndpoints(models, examples, apiKeyHint(ws.root, needsAuth(models))));
    }
  };
  const source = { repo: ws.repo, modelsFile: ws.modelsFile, display: ws.display };
  const applier = createWatchApplier({
    fingerprint: () => desiredFingerprint(source),
    apply: () => applyOnce(),
    supersede: () => daemon.runner.supersede(),
    log,
  });
  if (applyNow) {
    const before = await desiredFingerprint(source);
    await applyOnce(true);
    applier.applied(before);
  }
  let unwatch = async () => {};
  if (watch) {
    try {
      unwatch = await watchTree(ws.root, (paths) => applier.changed(paths), { onError: (e) => log(`watching failed: ${e.message}`) });
      log(`watching ${ws.root} for changes (Ctrl-C stops)`);
    } catch (error) {
      log(`cannot watch ${ws.root} (${error instanceof Error ? error.message : String(error)}): apply with \`slipway apply\``);
    }
  }
  const onSignal = () => {
    void unwatch();
    void daemon.stop();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  await daemon.stopped;
  await unwatch();
  process.removeListener('SIGINT', onSignal);
  process.removeListener('SIGTERM', onSignal);
}

async function upDetached(ws: Workspace, spec: Spec, opts: UpOptions): Promise<void> {
  const watch = opts.watch === false ? undefined : ws.modelsFile;
  const { client, started } = await ensureDaemon(ws.root, { port: Number(opts.port), host: opts.host, file: ws.modelsFile, watch });
  process.stderr.write(started ? `started the Slipway daemon at ${client.url}\n` : `the Slipway daemon already runs at ${client.url}\n`);
  process.stderr.write(`dashboard: ${client.url}/ (log in with the admin token from .slipway/daemon.json, or an API key)\n`);
  const output = createBuildOutput({ tty: process.stderr.isTTY === true, write: (text) => process.stderr.write(text) });
  const result = await applyViaDaemon(client, ws.modelsFile, secretNames(spec), output.onLog, { onBuild: output.onBuild });
  output.done();
  process.stdout.write(renderApplyResult(result, { buildStreamed: output.streamed }));
  await printStatusEndpoints(client, spec, ws.root);
  if (!result.ok || !result.report.ok) process.exitCode = 1;
}

/** Prints each served model with its curl, examples from the spec. */
export async function printStatusEndpoints(client: AdminClient, spec: Spec, root: string): Promise<void> {
  const status = await client.json<{ models: ModelStatus[] }>('GET', 'status');
  const hint = apiKeyHint(root, needsAuth(status.models));
  process.stdout.write(renderEndpoints(status.models, (name) => spec.models.find((m) => m.name === name)?.examples[0]?.input, hint));
}

function needsAuth(models: ModelStatus[]): boolean {
  return models.some((m) => m.auth && m.state === 'running');
}
