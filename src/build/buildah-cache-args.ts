// buildah's registry layer cache: which repositories a build reads layers from and writes them to.

/** Repositories of buildah's registry layer cache; null: not used that way. */
export type BuildCache = { from: string | null; to: string | null };

/** `--cache-from` / `--cache-to` of the registry cache, with the registry's TLS setting. */
export function cacheArgs(cache: BuildCache | null, tlsVerify: boolean): string[] {
  if (cache === null || (cache.from === null && cache.to === null)) return [];
  return [
    ...(cache.from === null ? [] : ['--cache-from', cache.from]),
    ...(cache.to === null ? [] : ['--cache-to', cache.to]),
    `--tls-verify=${tlsVerify}`,
  ];
}
