// Opening the embedded store: one SQLite file per state folder, migrated forward on open.
//
// Shape: a `Store` wraps one `DatabaseSync` and caches prepared statements by SQL text. The table
// modules (models.ts, builds.ts, ...) are plain functions taking the store as first argument, so a
// caller holds one object and each table family stays in its own small file.
import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { latestVersion, migrations } from './migrations.ts';

/** Thrown when a store was written by a newer Slipway than this one; callers stop rather than risk the data. */
export class StoreVersionError extends Error {
  readonly path: string;
  readonly found: number;
  readonly supported: number;
  constructor(path: string, found: number, supported: number) {
    super(
      `${path} has schema version ${found}, but this Slipway only knows versions up to ${supported}: ` +
        'it was written by a newer Slipway. Upgrade Slipway, or point it at another state folder.',
    );
    this.name = 'StoreVersionError';
    this.path = path;
    this.found = found;
    this.supported = supported;
  }
}

/** An open store. Pass it to the functions of the table modules. */
export class Store {
  readonly db: DatabaseSync;
  /** The file path, or `:memory:`. */
  readonly path: string;
  readonly #statements = new Map<string, StatementSync>();

  constructor(db: DatabaseSync, path: string) {
    this.db = db;
    this.path = path;
  }

  /** A prepared statement for `sql`, prepared on first use and reused after. */
  statement(sql: string): StatementSync {
    let prepared = this.#statements.get(sql);
    if (!prepared) {
      prepared = this.db.prepare(sql);
      this.#statements.set(sql, prepared);
    }
    return prepared;
  }

  /**
   * Runs `fn` in a write transaction and commits, or rolls back when it throws. Nested calls join
   * the outer transaction. IMMEDIATE takes the write lock up front, so two processes (daemon and
   * CLI) reading then writing, such as taking the next build number, cannot interleave.
   *
   * `durable: false` commits without waiting for the disk (`synchronous = NORMAL` for this
   * transaction), for data whose last seconds may be lost: captured calls, not deployments. In WAL
   * mode that is still safe against a crash of the process (the commit is in the WAL, in the OS's
   * cache); only a power loss can drop it, and never leaves the file inconsistent. The next durable
   * commit (`synchronous = FULL`, the store's default) syncs the whole WAL, so it makes the relaxed
   * commits before it durable as well, and a relaxed commit can never cost a durable one its safety.
   */
  transaction<T>(fn: () => T, opts: { durable?: boolean } = {}): T {
    if (this.db.isTransaction) return fn();
    const relaxed = opts.durable === false;
    if (relaxed) this.db.exec('PRAGMA synchronous = NORMAL');
    try {
      this.db.exec('BEGIN IMMEDIATE');
      try {
        const result = fn();
        this.db.exec('COMMIT');
        return result;
      } catch (error) {
        if (this.db.isTransaction) this.db.exec('ROLLBACK');
        throw error;
      }
    } finally {
      // (Never inside a transaction: SQLite refuses, and that error would hide the first one.)
      if (relaxed && !this.db.isTransaction) this.db.exec('PRAGMA synchronous = FULL');
    }
  }

  close(): void {
    this.#statements.clear();
    if (this.db.isOpen) this.db.close();
  }
}

/** The schema version recorded in the file (`PRAGMA user_version`); 0 for a new file. */
export function schemaVersion(db: DatabaseSync): number {
  const row = db.prepare('PRAGMA user_version').get() as { user_version: number };
  return row.user_version;
}

/**
 * Applies migrations until the schema is at version `upTo` (default: the latest), each version in
 * its own transaction together with its `user_version` bump, so a failure leaves the previous
 * version intact. Exported so tests can build stores of earlier versions. Returns the version reached.
 */
export function migrate(db: DatabaseSync, upTo: number = latestVersion): number {
  if (upTo > latestVersion) throw new RangeError(`no migration to version ${upTo}; the latest is ${latestVersion}`);
  for (;;) {
    db.exec('BEGIN IMMEDIATE');
    try {
      // Read inside the lock: another process may have migrated while we waited for it.
      const current = schemaVersion(db);
      if (current >= upTo) {
        db.exec('COMMIT');
        return current;
      }
      const step = migrations[current];
      if (typeof step === 'string') db.exec(step);
      else step(db);
      db.exec(`PRAGMA user_version = ${current + 1}`);
      db.exec('COMMIT');
    } catch (error) {
      if (db.isTransaction) db.exec('ROLLBACK');
      throw error;
    }
  }
}

/**
 * Opens (creating it and its parent folders when needed) the store at `path`, or an in-memory one
 * for `:memory:`, and migrates it to the latest schema. Throws `StoreVersionError` when the file
 * comes from a newer Slipway.
 */
export function openStore(path: string): Store {
  const inMemory = path === ':memory:';
  if (!inMemory) createPrivately(path);
  const db = new DatabaseSync(path, { timeout: 5000, enableForeignKeyConstraints: true });
  try {
    // Set explicitly as well as through the options, so the store does not depend on the defaults
    // of the Node version: concurrent daemon and CLI need the busy wait, history needs the keys.
    db.exec('PRAGMA busy_timeout = 5000');
    db.exec('PRAGMA foreign_keys = ON');
    // WAL lets the CLI read while the daemon writes. In-memory databases stay in "memory" mode.
    if (!inMemory) db.exec('PRAGMA journal_mode = WAL');
    // Every commit waits for the disk unless a caller says its data may lose its last seconds
    // (Store.transaction's `durable: false`); explicit, as some builds default WAL to NORMAL.
    db.exec('PRAGMA synchronous = FULL');
    const found = schemaVersion(db);
    if (found > latestVersion) throw new StoreVersionError(path, found, latestVersion);
    migrate(db);
  } catch (error) {
    db.close();
    throw error;
  }
  return new Store(db, path);
}

/**
 * Creates the store file (and its folder) readable by its owner only, or takes other users off an
 * existing one. SQLite gives the WAL and shared-memory files the mode of the database file.
 */
function createPrivately(path: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  closeSync(openSync(path, 'a', 0o600));
  chmodSync(path, 0o600);
  for (const companion of [`${path}-wal`, `${path}-shm`]) if (existsSync(companion)) chmodSync(companion, 0o600);
}
