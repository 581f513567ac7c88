// Apply inside the daemon: plan against what runs, build, deploy, test calls. Applies are
// serialized, so two never interleave (the watcher's and a CLI's, or two CLIs'): each waits for
// the ones asked for before it, and gives up after a timeout rather than queue forever. An apply
// asked for with `supersede` (the watcher's) cancels the earlier such apply still queued or
// running: its build step is killed and nothing more of it is deployed, so the deployment that
// served before it keeps serving until the newer apply replaces it.
import path from 'node:path';
import type { ApplyReport } from '../apply/apply.ts';
import { sqliteBuildLedger } from '../apply/build-ledger.ts';
import { loadDesired } from '../apply/desired.ts';
import type { CallModel } from '../apply/test-calls.ts';
import type { BuildLog } from '../apply/ensure-build.ts';
import type { Builder } from '../build/builder.ts';
import { applyToTarget } from '../target/apply-to-target.ts';
import type { ApplyPorts } from '../target/apply-ports.ts';
import type { Plan } from '../plan/types.ts';
import type { Repo } from '../source/repo.ts';
import { headCommit } from '../source/repo.ts';
import type { Store } from '../store/database.ts';
import { saveCaptureSettingsOf } from '../capture/save-settings.ts';
import { localSecretDigest } from './digest-key-file.ts';
import { cancelReason } from '../build/step-limits.ts';
import type { LocalDeployer } from '../backends/local/local-deployer.ts';

export type ApplyRequest = {
  /** Absolute path of the models file. */
  file: string;
  /** Values of the fromEnv variables, from the environment of whoever asked for the apply. */
  env: Record<string, string>;
  log: (line: string) => void;
  /** How long to wait for earlier applies; default `$SLIPWAY_LOCK_TIMEOUT_SECONDS` of the daemon, else 600 s. */
  lockTimeoutSeconds?: number;
  /** Cancels the previous apply asked for with `supersede` when it has not finished (the watcher's applies). */
  supersede?: boolean;
  /** The fingerprint of the plan the person confirmed; a different plan now is refused, not applied. */
  fingerprint?: string;
  /** false: examples run after traffic moved (`--no-gate`); default: they gate it. */
  gate?: boolean;
  /** Builds' own output, apart from `log`; default: in `log`, prefixed. */
  buildLog?: BuildLog;
  /** Who asked (src/history/actor.ts), recorded with each deployment; default `user:` the daemon's user. */
  actor?: string;
  /**
   * The checkout to plan and build from, when not the daemon's repository: following a branch
   * (src/follow/) applies from its own clone, so the user's working tree is never read or touched.
   */
  source?: Repo;
};

/** `fingerprint`: of the plan applied (plan/fingerprint.ts). */
export type ApplyResult = { ok: true; plan: Plan; fingerprint: string; report: ApplyReport } | { ok: false; message: string };

export function createApplyRunner(deps: { repo: Repo; store: Store; builder: Builder; deployer: LocalDeployer; callModel: CallModel }) {
  // Settles when the last apply asked for has finished (or given up).
  let tail: Promise<void> = Promise.resolve();
  // When the apply now running started, for the message of one that gives up.
  let runningSince: number | null = null;
  // The latest apply asked for with `supersede`, which the next one cancels.
  let supersedable: AbortController | null = null;
  // Every apply queued or running, for `cancelAll` when the daemon stops.
  const active = new Set<AbortController>();

  async function run(req: ApplyRequest, signal: AbortSignal | undefined): Promise<ApplyResult> {
    if (signal?.aborted) return { ok: false, message: `apply cancelled before it started: ${cancelReason(signal)}` };
    const env = { ...process.env, ...req.env };
    const source = req.source ?? deps.repo;
    const desired = await loadDesired(
      { repo: source, modelsFile: req.file, display: path.relative(source.root, req.file) },
      { forApply: true, env, secretDigest: localSecretDigest(deps.repo.root, deps.store), interpreters: true },
    );
    if (!desired.ok) return { ok: false, message: desired.message };
    // Capture settings take effect without a redeploy: the daemon's capture recorder reads them.
    saveCaptureSettingsOf(deps.store, desired.spec);
    // The runner's queue is the lock: applies run one at a time (see `exclusive`).
    const ports: ApplyPorts = {
      observe: async () => deps.deployer.observe(),
      withLock: (fn) => fn(),
      ledger: sqliteBuildLedger(deps.store),
      builder: deps.builder,
      backend: deps.deployer.backendFor(env),
    };
    const applied = await applyToTarget(ports, desired, {
      root: source.root,
      gitCommit: await headCommit(source),
      actor: req.actor,
      log: req.log,
      envSource: env,
      callModel: deps.callModel,
      signal,
      gate: req.gate,
      buildLog: req.buildLog,
      fingerprint: req.fingerprint,
    });
    if (applied.refused) return { ok: false, message: applied.refused };
    return { ok: true, plan: applied.plan, fingerprint: applied.fingerprint, report: applied.report ?? { ok: true, outcomes: [] } };
  }

  /**
   * Runs `fn` after every apply (or other exclusive task) asked for before it has finished; when
   * they take longer than the lock timeout, returns a failure saying so without running it.
   */
  async function exclusive<T>(
    req: Pick<ApplyRequest, 'log' | 'lockTimeoutSeconds'>,
    fn: () => Promise<T>,
  ): Promise<{ ok: true; value: T } | { ok: false; message: string }> {
    const before = tail;
    let release!: () => void;
    const mine = new Promise<void>((resolve) => {
      release = resolve;
    });
    tail = before.then(() => mine);
    try {
      const timeoutSeconds = req.lockTimeoutSeconds ?? lockTimeoutFromEnv(process.env);
      if (runningSince !== null) {
        req.log(`waiting for another apply (running for ${elapsedSeconds(runningSince)} s); giving up after ${timeoutSeconds} s`);
      }
      if (!(await settlesWithin(before, timeoutSeconds * 1000))) {
        const running = runningSince === null ? timeoutSeconds : elapsedSeconds(runningSince);
        return {
          ok: false,
          message: `another apply has been running for ${running} s; gave up waiting after ${timeoutSeconds} s (raise SLIPWAY_LOCK_TIMEOUT_SECONDS)`,
        };
      }
      runningSince = Date.now();
      try {
        return { ok: true, value: await fn() };
      } finally {
        runningSince = null;
      }
    } finally {
      release();
    }
  }

  return {
    async apply(req: ApplyRequest): Promise<ApplyResult> {
      const controller = new AbortController();
      if (req.supersede) {
        supersedable?.abort(new Error('a newer apply superseded this one (the files changed again)'));
        supersedable = controller;
      }
      active.add(controller);
      try {
        const done = await exclusive(req, () => run(req, controller.signal));
        return done.ok ? done.value : done;
      } finally {
        active.delete(controller);
        if (supersedable === controller) supersedable = null;
      }
    },
    /** Cancels the apply asked for with `supersede` that has not finished, if any (a newer tree is coming). */
    supersede(): void {
      supersedable?.abort(new Error('a newer apply superseded this one (the files changed again)'));
    },
    /** Cancels every apply queued or running (the daemon is stopping); each ends with `reason`. */
    cancelAll(reason: string): void {
      for (const controller of active) controller.abort(new Error(reason));
    },
    /** Runs `fn` between applies: for work that must not see an apply half done (pruning builds). */
    exclusive,
  };
}

export const DEFAULT_LOCK_TIMEOUT_SECONDS = 600;

/**
 * `SLIPWAY_LOCK_TIMEOUT_SECONDS` as a number of seconds (0 or more), else the default of 600.
 * @throws Error naming the variable when it is set to something else.
 */
export function lockTimeoutFromEnv(env: NodeJS.ProcessEnv): number {
  const raw = env.SLIPWAY_LOCK_TIMEOUT_SECONDS;
  if (raw === undefined || raw.trim() === '') return DEFAULT_LOCK_TIMEOUT_SECONDS;
  const seconds = Number(raw);
  if (!Number.isFinite(seconds) || seconds < 0) {
    throw new Error(`SLIPWAY_LOCK_TIMEOUT_SECONDS is "${raw}"; set it to a number of seconds (0 or more), or unset it for ${DEFAULT_LOCK_TIMEOUT_SECONDS}`);
  }
  return seconds;
}

function elapsedSeconds(since: number): number {
  return Math.round((Date.now() - since) / 1000);
}

/** True when `promise` settles within `ms`; false when the time runs out first. */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([promise.then(() => true, () => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export type ApplyRunner = ReturnType<typeof createApplyRunner>;
