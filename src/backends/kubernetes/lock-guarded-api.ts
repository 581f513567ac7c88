// The KubeApi an apply writes through: every write first checks that the apply still holds its
// lock (apply-lock.ts), so an apply that lost its Lease stops before its next write instead of
// writing alongside the apply that took it over. Reads pass straight through.
import type { KubeApi } from './kube-api.ts';

/** `api` with `check` awaited before each apply, create, replace, merge patch and delete. */
export function lockGuardedApi(api: KubeApi, check: () => Promise<void>): KubeApi {
  const guard = <F extends (...args: never[]) => Promise<unknown>>(write: F): F =>
    (async (...args: Parameters<F>) => {
      await check();
      return write(...args);
    }) as F;
  return {
    ...api,
    apply: guard(api.apply),
    create: guard(api.create),
    replace: guard(api.replace),
    mergePatch: guard(api.mergePatch),
    remove: guard(api.remove),
  };
}
