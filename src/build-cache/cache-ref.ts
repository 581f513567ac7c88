// Where the shared build cache is: `SLIPWAY_BUILD_CACHE=oci://registry.example/slipway-builds`.
// Credentials are the user's own (`skopeo login`, or the containers auth file): Slipway stores none.

/** A repository prefix in an OCI registry, and whether to verify its TLS certificate. */
export type CacheRef = { repository: string; tlsVerify: boolean };

export const BUILD_CACHE_VARIABLE = 'SLIPWAY_BUILD_CACHE';
export const BUILD_CACHE_TLS_VARIABLE = 'SLIPWAY_BUILD_CACHE_TLS_VERIFY';

/**
 * The cache named by the environment, or null when none is configured. TLS is verified except for
 * loopback registries, unless `SLIPWAY_BUILD_CACHE_TLS_VERIFY` says otherwise.
 * @throws Error saying the expected form when the variable is not an `oci://` reference.
 */
export function cacheFromEnv(env: NodeJS.ProcessEnv): CacheRef | null {
  const raw = env[BUILD_CACHE_VARIABLE]?.trim();
  if (!raw) return null;
  const m = /^oci:\/\/([^\s/]+(?:\/[a-z0-9._/-]+)?)$/.exec(raw);
  if (!m || m[1]!.endsWith('/')) {
    throw new Error(`${BUILD_CACHE_VARIABLE} is "${raw}"; write it as oci://HOST[:PORT]/PATH, e.g. oci://registry.example.com/slipway-builds`);
  }
  const repository = m[1]!;
  const host = repository.split('/')[0]!;
  const loopback = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])(:\d+)?$/.test(host);
  const tls = env[BUILD_CACHE_TLS_VARIABLE]?.trim().toLowerCase();
  const tlsVerify = tls === undefined || tls === '' ? !loopback : !['false', '0', 'no'].includes(tls);
  return { repository, tlsVerify };
}
