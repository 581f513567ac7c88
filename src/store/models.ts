// The models table: one row per model Slipway ever handled. Deleting keeps the row (and with it
// the model's builds and deployments) and only marks it, so history survives and a re-created
// model continues its build numbers.
import type { Store } from './database.ts';

export type StoredModel = {
  name: string;
  createdAt: string;
  /** When the model was deleted (no longer declared); null while it is live. */
  deletedAt: string | null;
  deleted: boolean;
};

type ModelRow = { name: string; created_at: string; deleted_at: string | null };

function toModel(row: ModelRow): StoredModel {
  return { name: row.name, createdAt: row.created_at, deletedAt: row.deleted_at, deleted: row.deleted_at !== null };
}

/** Records `name` when it is new, and clears its deleted mark when it was deleted (re-created). */
export function ensureModel(store: Store, name: string, at: Date = new Date()): void {
  store
    .statement(
      'INSERT INTO models (name, created_at) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET deleted_at = NULL',
    )
    .run(name, at.toISOString());
}

/** Every model, deleted ones included, by name. */
export function listModels(store: Store): StoredModel[] {
  const rows = store.statement('SELECT name, created_at, deleted_at FROM models ORDER BY name').all() as ModelRow[];
  return rows.map(toModel);
}

/** One model, or null when the store never saw it. */
export function getModel(store: Store, name: string): StoredModel | null {
  const row = store.statement('SELECT name, created_at, deleted_at FROM models WHERE name = ?').get(name) as
    | ModelRow
    | undefined;
  return row ? toModel(row) : null;
}

/** Marks a model deleted, keeping its history. Marking twice keeps the first time. */
export function markModelDeleted(store: Store, name: string, at: Date = new Date()): void {
  store
    .statement('UPDATE models SET deleted_at = COALESCE(deleted_at, ?) WHERE name = ?')
    .run(at.toISOString(), name);
}
