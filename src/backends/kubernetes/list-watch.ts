// List then watch, again and again: the pattern of client-go's reflector. Each (re)connection lists
// the whole collection (handed over as a fresh set) and then watches from the list's
// resourceVersion; when a watch ends (the server closes watches every few minutes), it lists again.
import type { KubernetesObject } from '@kubernetes/client-node';
import type { KubeApi, WatchEvent } from './kube-api.ts';

export type ListWatchOptions<T extends KubernetesObject> = {
  api: KubeApi;
  apiVersion: string;
  kind: string;
  /** The collection's URL path, e.g. `/apis/discovery.k8s.io/v1/namespaces/ns/endpointslices`. */
  path: string;
  labelSelector?: string;
  /** e.g. `metadata.name=x`: one named object, which a Role can grant by resourceNames. */
  fieldSelector?: string;
  /** The whole collection, after each list. */
  onList(items: T[]): void;
  onEvent(event: WatchEvent & { object: T }): void;
  log?: (line: string) => void;
  /** Pause before listing again after a failure. Default 1 s. */
  retryMs?: number;
};

export type ListWatch = {
  /** Resolves after the first successful list. */
  synced: Promise<void>;
  stop(): void;
};

/** Starts listing and watching; runs until `stop`. */
export function startListWatch<T extends KubernetesObject>(opts: ListWatchOptions<T>): ListWatch {
  let stopped = false;
  let current: AbortController | null = null;
  let markSynced!: () => void;
  const synced = new Promise<void>((resolve) => {
    markSynced = resolve;
  });
  let wake: (() => void) | null = null;

  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });

  const run = async (): Promise<void> => {
    while (!stopped) {
      try {
        const list = await opts.api.listWithVersion<T>(opts.apiVersion, opts.kind, opts.labelSelector, opts.fieldSelector);
        if (stopped) return;
        opts.onList(list.items);
        markSynced();
        await new Promise<void>((resolve) => {
          const query: Record<string, string> = { resourceVersion: list.resourceVersion, allowWatchBookmarks: 'true' };
          if (opts.labelSelector) query.labelSelector = opts.labelSelector;
          if (opts.fieldSelector) query.fieldSelector = opts.fieldSelector;
          opts.api
            .watch(opts.path, query, (event) => {
              if (event.type === 'ERROR') return resolve();
              if (event.type !== 'BOOKMARK') opts.onEvent(event as WatchEvent & { object: T });
            }, () => resolve())
            .then((controller) => {
              current = controller;
              if (stopped) controller.abort();
            })
            .catch(() => resolve());
        });
      } catch (error) {
        opts.log?.(`cannot list ${opts.kind}: ${(error as Error).message}; trying again`);
        await pause(opts.retryMs ?? 1000);
      }
    }
  };
  void run();
  return {
    synced,
    stop() {
      stopped = true;
      current?.abort();
      wake?.();
    },
  };
}
