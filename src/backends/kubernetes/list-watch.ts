// List then watch, as client-go's reflector does: list the collection once (handed over as a fresh
// set), then watch from the list's resourceVersion. The watch asks for bookmarks
// (https://kubernetes.io/docs/reference/using-api/api-concepts/#watch-bookmarks) and remembers the
// last resourceVersion it saw, so when the server ends a watch (its timeout, a quiet namespace) the
// next one resumes from there without listing again. Only a "410 Gone" (the version was compacted
// away, https://kubernetes.io/docs/reference/using-api/api-concepts/#410-gone-responses) lists
// again, once. A watch or list that fails (403, 429, a dropped connection) is retried after an
// exponential backoff with jitter, so a refusing server is not hammered in a tight loop.
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
  /** First pause after a failure; doubles with each failure in a row up to maxRetryMs. Default 1 s. */
  retryMs?: number;
  /** Longest pause between attempts. Default 30 s. */
  maxRetryMs?: number;
  /** How long the server keeps each watch open. Default 300 s. */
  watchSeconds?: number;
  /** Waits (tests pass one that records and returns at once). */
  sleep?: (ms: number) => Promise<void>;
  /** Jitter source in [0, 1). Default Math.random. */
  random?: () => number;
};

export type ListWatch = {
  /** Resolves after the first successful list. */
  synced: Promise<void>;
  stop(): void;
};

/** How a watch ended: closed by the server after working, Gone (list again), or failed. */
type WatchEnd = 'closed' | 'gone' | 'failed';

/** The pause before attempt `failures + 1`: exponential, capped, with "equal jitter" (half fixed, half random). */
export function backoffMs(failures: number, baseMs: number, maxMs: number, random: () => number): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, failures - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

const isGone = (error: unknown): boolean => {
  const e = error as { code?: number; statusCode?: number; status?: number; message?: string } | null;
  return e !== null && typeof e === 'object' && (e.code === 410 || e.statusCode === 410 || e.status === 410 || /\b410\b|\bGone\b|too old resource version/.test(e.message ?? ''));
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
  const random = opts.random ?? Math.random;

  const pause = (ms: number): Promise<void> => {
    if (opts.sleep) return opts.sleep(ms);
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  };

  /** One watch from `since`; `seen` is updated with each event's and bookmark's resourceVersion. */
  const watchOnce = (since: string, seen: { rv: string; events: number }): Promise<WatchEnd> =>
    new Promise<WatchEnd>((resolve) => {
      let settled = false;
      const end = (how: WatchEnd) => {
        if (settled) return;
        settled = true;
        resolve(how);
      };
      const query: Record<string, string> = { resourceVersion: since, allowWatchBookmarks: 'true', timeoutSeconds: String(opts.watchSeconds ?? 300) };
      if (opts.labelSelector) query.labelSelector = opts.labelSelector;
      if (opts.fieldSelector) query.fieldSelector = opts.fieldSelector;
      opts.api
        .watch(opts.path, query, (event) => {
          if (event.type === 'ERROR') return end(isGone(event.object) ? 'gone' : 'failed');
          const rv = event.object?.metadata?.resourceVersion;
          if (rv) seen.rv = rv;
          seen.events++;
          if (event.type !== 'BOOKMARK') opts.onEvent(event as WatchEvent & { object: T });
        }, (error) => {
          if (error && !stopped) return end(isGone(error) ? 'gone' : 'failed');
          end('closed');
        })
        .then((controller) => {
          current = controller;
          if (stopped) controller.abort();
        })
        .catch((error: unknown) => end(isGone(error) ? 'gone' : 'failed'));
    });

  const run = async (): Promise<void> => {
    let resumeFrom: string | null = null;
    let failures = 0;
    const retry = async (what: string, error: unknown): Promise<void> => {
      failures++;
      const ms = backoffMs(failures, opts.retryMs ?? 1000, opts.maxRetryMs ?? 30_000, random);
      opts.log?.(`cannot ${what} ${opts.kind}${error ? `: ${(error as Error).message ?? String(error)}` : ''}; trying again in ${ms} ms`);
      await pause(ms);
    };
    while (!stopped) {
      if (resumeFrom === null) {
        try {
          const list = await opts.api.listWithVersion<T>(opts.apiVersion, opts.kind, opts.labelSelector, opts.fieldSelector);
          if (stopped) return;
          opts.onList(list.items);
          markSynced();
          resumeFrom = list.resourceVersion;
        } catch (error) {
          await retry('list', error);
          continue;
        }
      }
      const seen = { rv: resumeFrom, events: 0 };
      const how = await watchOnce(resumeFrom, seen);
      if (stopped) return;
      resumeFrom = seen.rv;
      if (how === 'gone') {
        // The version is gone from the server's history: one fresh list, then watch from it.
        resumeFrom = null;
        failures = 0;
      } else if (how === 'failed' || seen.events === 0) {
        // Refused (403, 429), dropped, or ended before anything arrived: back off before the next try.
        await retry('watch', null);
      } else {
        failures = 0;
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
