// Image names for builds: `<registry>/<model>:<build key>`. The tag is the build key, so a tag in
// the registry is a finished build of exactly that content, and a revert finds it there. Pure.

export type RegistryResult = { ok: true; registry: string } | { ok: false; message: string };

/**
 * Checks a registry setting of the form `host[:port][/prefix]` and returns it without a trailing
 * slash. Refuses transports and schemes (`docker://`, `https://`), which the tools add themselves.
 */
export function parseRegistry(registry: string): RegistryResult {
  const trimmed = registry.trim().replace(/\/+$/, '');
  if (trimmed === '') {
    return { ok: false, message: 'the buildah builder needs a registry (host:port/prefix), e.g. registry.example.com/ml or 127.0.0.1:5000/slipway' };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed)) {
    return { ok: false, message: `registry "${registry}" has a scheme; give host:port/prefix without it, e.g. ${trimmed.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '')}` };
  }
  const [host, ...path] = trimmed.split('/');
  if (!/^([a-z0-9.-]+|\[[0-9a-f:]+\])(:[0-9]{1,5})?$/i.test(host!)) {
    return { ok: false, message: `registry "${registry}" does not start with a host name or host:port` };
  }
  if (path.some((segment) => !/^[a-z0-9]+([._-][a-z0-9]+)*$/.test(segment))) {
    return { ok: false, message: `registry "${registry}" has a path that is not lowercase letters, digits and . _ - separated by /` };
  }
  return { ok: true, registry: trimmed };
}

/** The image of build key `key` of `model`: `<registry>/<model>:<key>`. */
export function imageRef(registry: string, model: string, key: string): string {
  return `${registry}/${model}:${key}`;
}

/** The host part of an image reference or registry setting (`127.0.0.1:5000`). */
export function registryHost(reference: string): string {
  return reference.split('/')[0]!;
}

/**
 * Whether to verify TLS when talking to the registry of `reference` by default: not for loopback
 * registries (`localhost`, `127.x`, `[::1]`), which serve plain HTTP in development and tests, as
 * Docker treats them; always elsewhere.
 */
export function defaultTlsVerify(reference: string): boolean {
  const host = registryHost(reference).replace(/:[0-9]+$/, '');
  return !(host === 'localhost' || /^127\.[0-9.]+$/.test(host) || host === '[::1]');
}
