// The local backend's view of the world: the store in `.slipway/` at the repository root, plus,
// when the daemon supplies it, what its replicas are doing right now.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { LiveState, Observed, ObservedModel } from '../../plan/types.ts';
import { openStore, type Store } from '../../store/database.ts';
import { listBuilds } from '../../store/builds.ts';
import { latestApplied } from '../../store/deployments.ts';
import { listModels } from '../../store/models.ts';

/** The local backend's state folder: `<root>/.slipway`. */
export function stateDir(root: string): string {
  return join(root, '.slipway');
}

/** The local backend's store file: `<root>/.slipway/state.db`. */
export function storePath(root: string): string {
  return join(stateDir(root), 'state.db');
}

/**
 * Reads the store into `Observed`: every model the store knows (deleted ones included) with its
 * builds, its last applied deployment and its deleted mark. `live` comes from the running daemon;
 * a model missing from it (or no map at all) gets `live: null`, meaning "trust the record", so a
 * daemon should give an entry (`missing` when nothing runs) for every model it is responsible for.
 */
export function observeStore(store: Store, live?: ReadonlyMap<string, LiveState>): Observed {
  const models: ObservedModel[] = listModels(store).map((model) => {
    const deployment = latestApplied(store, model.name);
    return {
      name: model.name,
      builds: listBuilds(store, model.name).map((build) => ({
        number: build.number,
        key: build.key,
        inputs: build.inputs,
        status: build.status,
      })),
      deployment: deployment && {
        id: deployment.id,
        build: deployment.buildNumber,
        serving: deployment.serving,
        servingHash: deployment.servingHash,
        state: deployment.state,
      },
      deleted: model.deleted,
      live: live?.get(model.name) ?? null,
    };
  });
  return { models };
}

/**
 * Observes the repository at `root` without a daemon: empty when no store exists yet (so a first
 * `slipway plan` leaves no `.slipway/` behind), otherwise the store's contents with `live: null`.
 */
export function observeRoot(root: string): Observed {
  const path = storePath(root);
  if (!existsSync(path)) return { models: [] };
  const store = openStore(path);
  try {
    return observeStore(store);
  } finally {
    store.close();
  }
}
