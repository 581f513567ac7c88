// The store's schema, one entry per version: entry i takes a store from version i to i + 1.
// Entries are append-only: a released migration never changes, because stores in the field were
// made by it. A later need is a new entry.
import { randomBytes } from 'node:crypto';
import type { DatabaseSync } from 'node:sqlite';

/** SQL run as is, or a function for steps SQL cannot do (such as drawing random bytes from the OS). */
export type Migration = string | ((db: DatabaseSync) => void);

/** Version 1: models, builds and deployments, what `plan` reads. */
const v1 = `
CREATE TABLE models (
  name       TEXT PRIMARY KEY,
  created_at TEXT NOT NULL,
  deleted_at TEXT
) STRICT;

CREATE TABLE builds (
  model       TEXT NOT NULL REFERENCES models(name),
  number      INTEGER NOT NULL CHECK (number >= 1),
  key         TEXT NOT NULL,
  inputs      TEXT NOT NULL,  -- KeyInputs as JSON: the file manifest a plan diffs against
  artifact    TEXT,
  git_commit  TEXT,
  status      TEXT NOT NULL CHECK (status IN ('building', 'succeeded', 'failed')),
  log_path    TEXT,
  error_tail  TEXT,
  started_at  TEXT NOT NULL,
  finished_at TEXT,
  digest      TEXT,
  PRIMARY KEY (model, number)
) STRICT;
CREATE INDEX builds_by_key ON builds (model, key);

CREATE TABLE deployments (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,  -- AUTOINCREMENT: ids are never reused, even after deletes
  model        TEXT NOT NULL REFERENCES models(name),
  build_number INTEGER NOT NULL,
  serving      TEXT NOT NULL,  -- Serving as JSON (secrets only as digests)
  serving_hash TEXT NOT NULL,
  state        TEXT NOT NULL CHECK (state IN ('running', 'stopped')),
  status       TEXT NOT NULL CHECK (status IN ('deploying', 'active', 'superseded', 'failed', 'deleted')),
  actor        TEXT,
  git_commit   TEXT,
  reason       TEXT,
  started_at   TEXT NOT NULL,
  stopped_at   TEXT,
  FOREIGN KEY (model, build_number) REFERENCES builds (model, number)
) STRICT;
CREATE INDEX deployments_by_model ON deployments (model, id);
`;

/** Version 2: keys, metrics and the per-store secret. */
const v2Tables = `
CREATE TABLE access_keys (
  model      TEXT PRIMARY KEY REFERENCES models(name),
  key_hash   TEXT NOT NULL UNIQUE,
  created_at TEXT NOT NULL
) STRICT;

CREATE TABLE api_keys (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  name       TEXT NOT NULL,
  key_hash   TEXT NOT NULL UNIQUE,
  prefix     TEXT NOT NULL,  -- the key's first characters: shown in listings, used to find candidates
  models     TEXT,           -- JSON array of model names; NULL means every model
  created_at TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  revoked_at TEXT
) STRICT;
CREATE INDEX api_keys_by_prefix ON api_keys (prefix);

CREATE TABLE metrics (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  model         TEXT NOT NULL REFERENCES models(name),
  deployment_id INTEGER REFERENCES deployments(id),
  replica_id    TEXT,
  uuid          TEXT,
  name          TEXT NOT NULL,
  value         TEXT NOT NULL,  -- JSON
  created_at    TEXT NOT NULL
) STRICT;
CREATE INDEX metrics_by_model ON metrics (model, created_at);
CREATE INDEX metrics_by_uuid ON metrics (uuid);

CREATE TABLE meta (
  k TEXT PRIMARY KEY,
  v TEXT NOT NULL
) STRICT;
`;

function v2(db: DatabaseSync): void {
  db.exec(v2Tables);
  // From node:crypto rather than SQLite's randomblob(): the key guards secret digests, so it
  // comes from the OS's CSPRNG through the same path as every other secret Slipway makes.
  db.prepare("INSERT INTO meta (k, v) VALUES ('secret_key', ?)").run(randomBytes(32).toString('hex'));
}

/**
 * Version 3: builds whose folder `slipway prune` removed. A table of its own rather than a new
 * status, because SQLite cannot widen the builds table's CHECK without rebuilding a table that
 * deployments refer to; builds.ts reports such a build with status `pruned`.
 */
const v3 = `
CREATE TABLE pruned_builds (
  model     TEXT NOT NULL,
  number    INTEGER NOT NULL,
  pruned_at TEXT NOT NULL,
  PRIMARY KEY (model, number),
  FOREIGN KEY (model, number) REFERENCES builds (model, number)
) STRICT;
`;

/**
 * Version 4: the examples a deployment was tested with before it took traffic (the gate), with
 * their results, so a deployment marked `failed` says why.
 */
const v4 = `
CREATE TABLE deployment_tests (
  deployment_id INTEGER PRIMARY KEY REFERENCES deployments (id),
  passed        INTEGER NOT NULL,
  results       TEXT NOT NULL,
  tested_at     TEXT NOT NULL
) STRICT;
`;

/**
 * Version 5: technical metrics sampled by the daemon (see src/telemetry/), one row per model
 * (replica '') or replica per window of `step` seconds (10, 60 or 3600), and the dashboard's
 * action log (stop, start, restart, key changes made from the web UI, and by whom).
 */
const v5 = `
CREATE TABLE tech_samples (
  model          TEXT NOT NULL,
  replica        TEXT NOT NULL,  -- '' for the model's totals
  step           INTEGER NOT NULL CHECK (step IN (10, 60, 3600)),
  at             INTEGER NOT NULL,  -- start of the window, ms since the epoch
  samples        INTEGER NOT NULL,  -- 10 s samples folded into this row
  calls          INTEGER NOT NULL,
  success        INTEGER NOT NULL,
  failure        INTEGER NOT NULL,
  error          INTEGER NOT NULL,
  busy           INTEGER NOT NULL,
  restarts       INTEGER NOT NULL,
  request_bytes  INTEGER NOT NULL,
  response_bytes INTEGER NOT NULL,
  p50            REAL,  -- ms, null without calls
  p95            REAL,
  p99            REAL,
  cpu            REAL,  -- cores busy on average (1 = one core)
  rss            REAL,  -- resident bytes on average
  PRIMARY KEY (model, replica, step, at)
) STRICT, WITHOUT ROWID;
CREATE INDEX tech_samples_by_age ON tech_samples (step, at);

CREATE TABLE ui_actions (
  id     INTEGER PRIMARY KEY AUTOINCREMENT,
  at     TEXT NOT NULL,
  actor  TEXT NOT NULL,
  action TEXT NOT NULL,
  model  TEXT,
  detail TEXT
) STRICT;
`;

/**
 * Version 6: sampled live calls (src/capture/), redacted before they are written, and each
 * model's capture settings as last applied (the daemon's gateway reads them; no replica restarts
 * when they change). No headers are stored: they may carry credentials.
 */
const v6 = `
CREATE TABLE captures (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  model         TEXT NOT NULL,
  deployment_id INTEGER NOT NULL,
  build_number  INTEGER NOT NULL,
  at            INTEGER NOT NULL,  -- when the call was accepted, ms since the epoch
  latency_ms    REAL NOT NULL,
  status        INTEGER NOT NULL,
  outcome       TEXT NOT NULL,
  request       TEXT NOT NULL,     -- JSON, redacted
  response      TEXT               -- JSON of the answer's value or error, redacted; null without one
) STRICT;
CREATE INDEX captures_by_model ON captures (model, at);
CREATE INDEX captures_by_age ON captures (at);

CREATE TABLE capture_settings (
  model    TEXT PRIMARY KEY,
  settings TEXT NOT NULL  -- JSON: {sample, maxPerDay, retentionDays, redact}
) STRICT;
`;

/**
 * Version 7: local canary and shadow rollouts (src/rollouts/), one row per model: the controller's
 * snapshot of the rollout in progress, so a restarted daemon goes on with it, and the last one
 * finished, so status and the dashboard still say how it ended. `dropped`: shadow copies the
 * gateway dropped under pressure before the snapshot was taken (its counter starts again at 0).
 */
const v7 = `
CREATE TABLE rollouts (
  model    TEXT PRIMARY KEY,
  snapshot TEXT,              -- RolloutSnapshot as JSON; null with no rollout in progress
  dropped  INTEGER NOT NULL,
  finished TEXT,              -- the last finished RolloutState as JSON, or null
  saved_at INTEGER NOT NULL   -- ms since the epoch
) STRICT;
`;

/** All migrations in order; the schema version of a store is the number of them applied. */
export const migrations: readonly Migration[] = [v1, v2, v3, v4, v5, v6, v7];

/** The schema version this code writes. */
export const latestVersion = migrations.length;
