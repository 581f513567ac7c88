// Following a branch inside the daemon: the follower (follower.ts) wired to the follower's clone,
// the daemon's apply queue (so a follow apply never interleaves with a CLI's), the state files and
// the GitHub commit status; a timer checks every interval, and `POST /admin/follow/check` checks now.
import { existsSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import type { ApplyRunner } from '../daemon/apply-runner.ts';
import { openRepo, type Repo } from '../source/repo.ts';
import { followActor } from '../history/actor.ts';
import { commitStatusReporter } from './commit-status.ts';
import { displayUrl, followClone, remoteUrl } from './follow-clone.ts';
import { parseFollowRef, type FollowRef } from './follow-ref.ts';
import { forgetFollowing, readFollowConfig, readFollowState, writeFollowConfig, writeFollowState, type FollowConfig } from './follow-state-file.ts';
import { createFollower, type CheckResult, type CommitOutcome, type Follower, type FollowState } from './follower.ts';

export type FollowServiceDeps = {
  /** The user's repository: only its remote's URL is read. */
  repo: Repo;
  runner: Pick<ApplyRunner, 'apply'>;
  log: (line: string) => void;
  now?: () => Date;
  env?: NodeJS.ProcessEnv;
};

export function createFollowService(deps: FollowServiceDeps) {
  const root = deps.repo.root;
  const now = deps.now ?? (() => new Date());
  let follower: Follower | null = null;
  let current: (FollowConfig & { url: string }) | null = null;
  let timer: NodeJS.Timeout | null = null;
  // Commit statuses are sent in order, one at a time; a check asked for by hand waits for them.
  let reporting: Promise<void> = Promise.resolve();

  async function applyCommit(ref: FollowRef, clone: ReturnType<typeof followClone>, file: string, commit: string): Promise<CommitOutcome> {
    await clone.checkout(commit);
    const modelsFile = path.join(clone.dir, file);
    if (!existsSync(modelsFile)) return { ok: false, changes: [], message: `commit ${commit.slice(0, 12)} has no ${file}` };
    const result = await deps.runner.apply({
      file: modelsFile,
      env: {},
      source: await openRepo(clone.dir),
      actor: followActor(`${ref.remote}/${ref.branch}`),
      log: (line) => deps.log(`follow: ${line}`),
    });
    if (!result.ok) return { ok: false, changes: [], message: result.message };
    const changes = result.report.outcomes.map((o) => `${o.model}: ${o.action}`);
    const failed = result.report.outcomes.filter((o) => !o.ok).map((o) => `${o.model}: ${o.error ?? `failed in ${o.failedIn}`}`);
    return { ok: result.report.ok, changes, message: failed.length ? failed.join('; ') : null };
  }

  /** Starts following as `config` says (replacing any earlier following); the first check runs now. */
  async function start(config: FollowConfig): Promise<FollowState> {
    const ref = parseFollowRef(config.ref);
    const fetchUrl = await remoteUrl(root, ref);
    // What is stored and shown: never credentials written into the remote's URL.
    const url = displayUrl(fetchUrl);
    // Asked again for what it follows already (a restart, then `up --follow`): nothing to restart.
    if (follower && current && JSON.stringify(current) === JSON.stringify({ ...config, url })) return follower.state();
    stop();
    current = { ...config, url };
    writeFollowConfig(root, config);
    const clone = followClone(root, fetchUrl, ref);
    const previous = readFollowState(root);
    const initial: FollowState =
      previous && previous.ref === config.ref && previous.url === url
        ? { ...previous, intervalMs: config.intervalMs, fetchError: null }
        : { ref: config.ref, url, intervalMs: config.intervalMs, fetched: null, fetchError: null, applied: null };
    const report = commitStatusReporter(url, deps.env ?? process.env, deps.log);
    // What the previous daemon reported already is not sent again.
    const reportKey = (applied: FollowState['applied']) => (applied ? `${applied.commit} ${applied.outcome}` : '');
    let reported = reportKey(initial.applied);
    follower = createFollower(initial, {
      fetch: () => clone.fetch(),
      apply: (commit) => applyCommit(ref, clone, config.file, commit),
      now,
      log: deps.log,
      changed: (state) => {
        writeFollowState(root, state);
        const applied = state.applied;
        const key = reportKey(applied);
        if (report && applied && key !== reported) {
          reported = key;
          const snapshot = structuredClone(applied);
          reporting = reporting.then(() => report(snapshot.commit, snapshot));
        }
      },
    });
    writeFollowState(root, follower.state());
    deps.log(`following ${config.ref} (${url}) every ${Math.round(config.intervalMs / 1000)} s`);
    timer = setInterval(() => void follower?.check(), config.intervalMs);
    void follower.check();
    return follower.state();
  }

  /** Fetches and applies now; once the commit statuses are sent, what it gave. Null when not following. */
  async function checkNow(): Promise<{ result: CheckResult; state: FollowState } | null> {
    const current = follower;
    if (!current) return null;
    const result = await current.check();
    await reporting;
    return { result, state: current.state() };
  }

  function stop(): void {
    if (timer) clearInterval(timer);
    timer = null;
    follower = null;
    current = null;
  }

  return {
    start,
    stop,
    /** Follows again what a previous daemon followed (after a restart), when it did. */
    async resume(): Promise<void> {
      const config = readFollowConfig(root);
      if (!config) return;
      try {
        await start(config);
      } catch (error) {
        deps.log(`cannot follow ${config.ref} again: ${(error as Error).message}`);
      }
    },
    /** Checks now (the fetch trigger); null when not following. */
    check: checkNow,
    state: (): FollowState | null => follower?.state() ?? null,

    /** `GET /admin/follow`, `POST /admin/follow` `{ref, intervalMs, file}`, `POST /admin/follow/check`, `POST /admin/follow/stop`. */
    async handle(req: IncomingMessage, res: ServerResponse, rest: string[], body: () => Promise<unknown>): Promise<void> {
      const send = (status: number, value: unknown): void => void res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
      if (req.method === 'GET' && rest.length === 0) return send(200, { following: follower !== null, state: follower?.state() ?? readFollowState(root) });
      if (req.method === 'POST' && rest[0] === 'stop') {
        stop();
        forgetFollowing(root);
        return send(200, { following: false });
      }
      if (req.method === 'POST' && rest[0] === 'check') {
        const checked = await checkNow();
        return checked ? send(200, checked) : send(409, { error: 'the daemon follows no branch; start with `slipway up --follow origin/main`' });
      }
      if (req.method === 'POST' && rest.length === 0) {
        const given = (await body()) as Partial<FollowConfig> | null;
        if (!given || typeof given.ref !== 'string' || typeof given.intervalMs !== 'number' || typeof given.file !== 'string' || path.isAbsolute(given.file)) {
          return send(400, { error: 'follow needs {"ref": "origin/main", "intervalMs": 30000, "file": "<models file relative to the repository root>"}' });
        }
        try {
          return send(200, { following: true, state: await start({ ref: given.ref, intervalMs: given.intervalMs, file: given.file }) });
        } catch (error) {
          return send(400, { error: (error as Error).message });
        }
      }
      return send(404, { error: `no admin route ${req.method} /admin/follow/${rest.join('/')}` });
    },
  };
}

export type FollowService = ReturnType<typeof createFollowService>;
