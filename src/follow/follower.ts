// The loop of a daemon following a branch, as a state machine driven from outside: each `check()`
// fetches, and when the branch points at a commit not tried yet, applies it once. Time comes from
// an injected clock and checks from whoever calls `check()` (a timer in the daemon, a test, or
// `slipway follow check`), so nothing here sleeps.
//
// - A commit is tried once: failed, it stays failed with its reason until the branch moves.
//   Moving back to an older commit (a force-push) is a new head and is applied: that is converging.
// - A fetch failure backs off: the next attempts are skipped until twice as long has passed
//   each time (interval × 2^failures, at most 16 intervals), and the failure is in the state.

/** What the follower knows, as `slipway follow status` and `status` show it. */
export type FollowState = {
  ref: string;
  url: string | null;
  intervalMs: number;
  fetched: { commit: string; at: string } | null;
  /** The last fetch failure while it lasts (cleared by a fetch that works). */
  fetchError: { message: string; at: string; failures: number; nextAttemptAt: string } | null;
  /** The last commit tried and how it went. */
  applied: {
    commit: string;
    startedAt: string;
    finishedAt: string | null;
    outcome: 'applying' | 'applied' | 'unchanged' | 'failed';
    /** What the plan changed: `adder: rebuild`, one per changed model. */
    changes: string[];
    message: string | null;
  } | null;
};

/** What one apply of a commit gave. */
export type CommitOutcome = { ok: boolean; changes: string[]; message: string | null };

export type FollowerDeps = {
  /** Fetches the branch; resolves to the commit it points at. */
  fetch: () => Promise<string>;
  /** Checks `commit` out in the follower's own clone and applies it. */
  apply: (commit: string) => Promise<CommitOutcome>;
  now: () => Date;
  /** Called after every change of state (to persist it, report it). */
  changed?: (state: FollowState) => void;
  log: (line: string) => void;
};

const MAX_BACKOFF_INTERVALS = 16;

export type CheckResult = 'backing-off' | 'fetch-failed' | 'up-to-date' | 'applied' | 'unchanged' | 'failed' | 'busy';

export function createFollower(initial: FollowState, deps: FollowerDeps) {
  const state: FollowState = structuredClone(initial);
  let running: Promise<CheckResult> | null = null;
  const emit = () => deps.changed?.(structuredClone(state));

  async function once(): Promise<CheckResult> {
    const now = deps.now();
    if (state.fetchError && now.getTime() < Date.parse(state.fetchError.nextAttemptAt)) return 'backing-off';
    let commit: string;
    try {
      commit = await deps.fetch();
    } catch (error) {
      const failures = (state.fetchError?.failures ?? 0) + 1;
      const wait = state.intervalMs * Math.min(2 ** failures, MAX_BACKOFF_INTERVALS);
      const message = (error as Error).message;
      state.fetchError = { message, at: now.toISOString(), failures, nextAttemptAt: new Date(now.getTime() + wait).toISOString() };
      deps.log(`follow ${state.ref}: fetch failed (${failures} in a row; next try in ${Math.round(wait / 1000)} s): ${message}`);
      emit();
      return 'fetch-failed';
    }
    state.fetchError = null;
    state.fetched = { commit, at: now.toISOString() };
    if (state.applied?.commit === commit) {
      emit();
      return 'up-to-date';
    }
    state.applied = { commit, startedAt: now.toISOString(), finishedAt: null, outcome: 'applying', changes: [], message: null };
    emit();
    deps.log(`follow ${state.ref}: applying ${commit.slice(0, 12)}`);
    let outcome: CommitOutcome;
    try {
      outcome = await deps.apply(commit);
    } catch (error) {
      outcome = { ok: false, changes: [], message: (error as Error).message };
    }
    const result = !outcome.ok ? 'failed' : outcome.changes.length === 0 ? 'unchanged' : 'applied';
    state.applied = { ...state.applied, finishedAt: deps.now().toISOString(), outcome: result, changes: outcome.changes, message: outcome.message };
    deps.log(`follow ${state.ref}: ${commit.slice(0, 12)} ${result}${outcome.message ? `: ${outcome.message}` : ''}`);
    emit();
    return result;
  }

  return {
    /** Fetches and applies what is new; a check asked for while one runs waits for it and reports `busy`. */
    async check(): Promise<CheckResult> {
      if (running) {
        await running;
        return 'busy';
      }
      running = once();
      try {
        return await running;
      } finally {
        running = null;
      }
    },
    state: (): FollowState => structuredClone(state),
  };
}

export type Follower = ReturnType<typeof createFollower>;
