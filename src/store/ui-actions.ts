// What people did from the web dashboard (stop, start, restart, key changes), and by whom; shown
// on the model's page. The models file of the last apply is remembered here too, so the dashboard
// can prefill each model's example input after a daemon restart.
import type { Store } from './database.ts';

export type UiAction = { id: number; at: string; actor: string; action: string; model: string | null; detail: string | null };

export function recordUiAction(store: Store, a: { actor: string; action: string; model?: string | null; detail?: string | null }, at = new Date()): void {
  store
    .statement('INSERT INTO ui_actions (at, actor, action, model, detail) VALUES (?, ?, ?, ?, ?)')
    .run(at.toISOString(), a.actor, a.action, a.model ?? null, a.detail ?? null);
}

/** A model's actions, newest first. */
export function listUiActions(store: Store, model: string, limit = 50): UiAction[] {
  return store.statement('SELECT id, at, actor, action, model, detail FROM ui_actions WHERE model = ? ORDER BY id DESC LIMIT ?').all(model, limit) as UiAction[];
}

export function rememberModelsFile(store: Store, file: string): void {
  store.statement("INSERT INTO meta (k, v) VALUES ('models_file', ?) ON CONFLICT (k) DO UPDATE SET v = excluded.v").run(file);
}

export function lastModelsFile(store: Store): string | null {
  const row = store.statement("SELECT v FROM meta WHERE k = 'models_file'").get() as { v: string } | undefined;
  return row?.v ?? null;
}
