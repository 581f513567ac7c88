// This machine as a Target: the daemon applies (started when none runs) and says what runs; the
// store in `.slipway/` keeps builds, deployments and keys, readable with no daemon. Builds are
// keyed with this machine's interpreters, and limits the OS cannot enforce are said to be advisory.
import { ensureDaemon, findDaemon } from '../daemon/admin-client.ts';
import { writeAccessKey } from '../backends/local/access-key-file.ts';
import { observeRoot, storePath } from '../backends/local/observe.ts';
import { applyViaDaemon } from '../daemon/remote-apply.ts';
import { localKeys, secretNames } from '../apply/desired.ts';
import { localHistory } from '../history/local-records.ts';
import { rotateAccessKey, UnknownModelError } from '../keys/access-keys.ts';
import { sqliteApiKeyRecords } from '../keys/api-key-records.ts';
import { localAdvisoryNote } from '../limits/advisory.ts';
import { planFingerprint } from '../plan/fingerprint.ts';
import { hasChanges, plan } from '../plan/plan.ts';
import type { Observed } from '../plan/types.ts';
import { openStore, type Store } from '../store/database.ts';
import { listCaptures } from '../store/captures.ts';
import { UserError } from '../workspace/user-error.ts';
import { openWorkspace, type Workspace } from '../workspace/workspace.ts';
import { localBuildsView, localDeploymentsView, localStatusView, withExistingStore } from './local-views.ts';
import type { Target } from './target.ts';

export type LocalTargetOptions = {
  /** The workspace, when the command has opened one; else the repository around the working directory. */
  ws?: Workspace;
  /** The port of a daemon an apply starts. */
  port?: number;
};

/** The local target: this repository's daemon and store. */
export function localTarget(opts: LocalTargetOptions = {}): Target {
  const repository = async () => opts.ws ?? (await openWorkspace({ needModels: false }));
  const root = async () => (await repository()).root;

  /** Runs `fn` on the store (created when missing), then has a running daemon reload its keys. */
  async function withStore<T>(fn: (store: Store, root: string) => T): Promise<T> {
    const dir = await root();
    const store = openStore(storePath(dir));
    let result: T;
    try {
      result = fn(store, dir);
    } finally {
      store.close();
    }
    await findDaemon(dir)?.json('POST', 'reload-keys');
    return result;
  }

  return {
    kind: 'local',
    name: 'local',
    async prepare(desired) {
      const local = await localKeys(await root(), desired.spec, desired.keys);
      if (!local.ok) throw new UserError(local.message);
      return local;
    },
    advisory: (spec) => localAdvisoryNote(spec),
    // A running daemon knows what runs now (so a plan can show repairs); without one, the store's record.
    async observe() {
      const dir = await root();
      const daemon = findDaemon(dir);
      return daemon ? daemon.json<Observed>('GET', 'observe') : observeRoot(dir);
    },
    async apply(desired, request) {
      const ws = await repository();
      const notice = request.notice ?? request.log;
      const { client, started } = await ensureDaemon(ws.root, { port: opts.port ?? 8700, file: ws.modelsFile });
      if (started) notice(`started the Slipway daemon at ${client.url}`);
      const note = localAdvisoryNote(desired.spec);
      if (note !== null) notice(note);
      // The daemon plans again when the apply's turn comes: a confirmation here is pinned to the
      // plan seen, by its fingerprint, so the daemon applies that plan or refuses.
      let fingerprint = request.fingerprint;
      if (request.confirm) {
        const observed = await client.json<Observed>('GET', 'observe');
        const preview = plan(desired.spec, desired.keys, observed);
        const previewFingerprint = planFingerprint(preview, observed);
        if (!hasChanges(preview)) return { ok: true, plan: preview, fingerprint: previewFingerprint, report: null };
        if (!(await request.confirm(preview))) return { ok: true, plan: preview, fingerprint: previewFingerprint, report: null };
        if (request.pinConfirmed) fingerprint ??= previewFingerprint;
      }
      const result = await applyViaDaemon(client, ws.modelsFile, secretNames(desired.spec), request.log, { gate: request.gate, onBuild: request.onBuild, fingerprint });
      return result.ok ? { ok: true, plan: result.plan, fingerprint: result.fingerprint, report: result.report } : result;
    },
    async status() {
      const ws = await repository();
      const client = findDaemon(ws.root);
      if (!client) throw new UserError(`no Slipway daemon is running for ${ws.root} (start one with \`slipway up -d\`)`);
      return localStatusView(client);
    },
    builds: async (model) => withExistingStore(await root(), (store) => localBuildsView(store, model)),
    deployments: async (model) => withExistingStore(await root(), (store) => localDeploymentsView(store, model)),
    history: async (model) => withExistingStore(await root(), (store) => localHistory(store, model)),
    captures: async (model, q) => withExistingStore(await root(), (store) => listCaptures(store, model, q.sinceMs, q.limit)),
    withApiKeys: (edit) => withStore((store) => edit(sqliteApiKeyRecords(store))),
    rotateAccessKey: (model) =>
      withStore((store, dir) => {
        try {
          const fresh = rotateAccessKey(store, model);
          writeAccessKey(dir, model, fresh);
          return fresh;
        } catch (error) {
          if (error instanceof UnknownModelError) throw new UserError(`no model ${model} has been deployed`);
          throw error;
        }
      }),
  };
}
