// The builds table: immutable artifacts, numbered per model from 1, found again by build key.
import type { KeyInputs } from '../source/types.ts';
import type { BuildStatus } from '../plan/types.ts';
import type { Store } from './database.ts';

export type StoredBuild = {
  model: string;
  number: number;
  key: string;
  /** The key's inputs, including the file manifest, so a plan can say which files changed. */
  inputs: KeyInputs;
  /** Where the artifact lives: a build folder, or an image reference. Null until it succeeded. */
  artifact: string | null;
  gitCommit: string | null;
  status: BuildStatus;
  logPath: string | null;
  /** The last lines of the build log when the build failed. */
  errorTail: string | null;
  startedAt: string;
  finishedAt: string | null;
  /** Image digest (images only). */
  digest: string | null;
};

type BuildRow = {
  model: string;
  number: number;
  key: string;
  inputs: string;
  artifact: string | null;
  git_commit: string | null;
  status: BuildStatus;
  log_path: string | null;
  error_tail: string | null;
  started_at: string;
  finished_at: string | null;
  digest: string | null;
};

// A pruned build keeps its row (history, and the numbering) and reports status `pruned`.
const columns =
  "b.model, b.number, key, inputs, artifact, git_commit, CASE WHEN p.number IS NULL THEN status ELSE 'pruned' END AS status, " +
  'log_path, error_tail, started_at, finished_at, digest';
const fromBuilds = 'FROM builds b LEFT JOIN pruned_builds p ON p.model = b.model AND p.number = b.number';

function toBuild(row: BuildRow): StoredBuild {
  return {
    model: row.model,
    number: row.number,
    key: row.key,
    inputs: JSON.parse(row.inputs) as KeyInputs,
    artifact: row.artifact,
    gitCommit: row.git_commit,
    status: row.status,
    logPath: row.log_path,
    errorTail: row.error_tail,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    digest: row.digest,
  };
}

/** The number the model's next build gets: one more than its highest, 1 for its first. */
export function nextBuildNumber(store: Store, model: string): number {
  const row = store.statement('SELECT COALESCE(MAX(number), 0) + 1 AS next FROM builds WHERE model = ?').get(model) as {
    next: number;
  };
  return row.next;
}

export type NewBuild = {
  model: string;
  key: string;
  inputs: KeyInputs;
  gitCommit?: string | null;
  logPath?: string | null;
};

/**
 * Records a build in status `building` under the model's next number and returns it. The model row
 * is created when missing (not undeleted: that is `ensureModel`'s job when a model is re-created).
 */
export function insertBuild(store: Store, build: NewBuild, at: Date = new Date()): StoredBuild {
  return store.transaction(() => {
    store.statement('INSERT OR IGNORE INTO models (name, created_at) VALUES (?, ?)').run(build.model, at.toISOString());
    const number = nextBuildNumber(store, build.model);
    store
      .statement(
        `INSERT INTO builds (model, number, key, inputs, git_commit, status, log_path, started_at)
         VALUES (?, ?, ?, ?, ?, 'building', ?, ?)`,
      )
      .run(build.model, number, build.key, JSON.stringify(build.inputs), build.gitCommit ?? null, build.logPath ?? null, at.toISOString());
    return getBuild(store, build.model, number)!;
  });
}

export type BuildOutcome = {
  status: 'succeeded' | 'failed';
  artifact?: string | null;
  logPath?: string | null;
  errorTail?: string | null;
  digest?: string | null;
};

/** Records how a build ended. Fields left out keep their value (the log path given at insert, say). */
export function finishBuild(
  store: Store,
  model: string,
  number: number,
  outcome: BuildOutcome,
  at: Date = new Date(),
): StoredBuild {
  const result = store
    .statement(
      `UPDATE builds SET status = ?, artifact = COALESCE(?, artifact), log_path = COALESCE(?, log_path),
         error_tail = COALESCE(?, error_tail), digest = COALESCE(?, digest), finished_at = ?
       WHERE model = ? AND number = ?`,
    )
    .run(
      outcome.status,
      outcome.artifact ?? null,
      outcome.logPath ?? null,
      outcome.errorTail ?? null,
      outcome.digest ?? null,
      at.toISOString(),
      model,
      number,
    );
  if (result.changes === 0) throw new Error(`cannot finish build #${number} of model "${model}": no such build`);
  return getBuild(store, model, number)!;
}

/** One build, or null. */
export function getBuild(store: Store, model: string, number: number): StoredBuild | null {
  const row = store.statement(`SELECT ${columns} ${fromBuilds} WHERE b.model = ? AND b.number = ?`).get(model, number) as
    | BuildRow
    | undefined;
  return row ? toBuild(row) : null;
}

/** Every build of a model, any status, by number. */
export function listBuilds(store: Store, model: string): StoredBuild[] {
  const rows = store.statement(`SELECT ${columns} ${fromBuilds} WHERE b.model = ? ORDER BY b.number`).all(model) as BuildRow[];
  return rows.map(toBuild);
}

/**
 * Records that build `number`'s artifact was removed: it reports status `pruned` from now on, so
 * a plan that wants its key builds it again under a new number. Only a succeeded build is pruned.
 */
export function markPruned(store: Store, model: string, number: number, at: Date = new Date()): void {
  const build = getBuild(store, model, number);
  if (build?.status !== 'succeeded') throw new Error(`cannot prune build #${number} of model "${model}": it is ${build ? build.status : 'not recorded'}`);
  store.statement('INSERT INTO pruned_builds (model, number, pruned_at) VALUES (?, ?, ?)').run(model, number, at.toISOString());
}
