// Where a replica listens, as one string the gateway, the supervisor and `status` share:
// `unix:<absolute socket path>` for a local replica (a Unix domain socket in the daemon's private
// run folder), `http://<host>:<port>` for a pod reached over TCP.

/** How to connect to a replica: a socket path, or an HTTP origin. */
export type ReplicaAddress = { socketPath: string } | { url: string };

const UNIX_PREFIX = 'unix:';

/** The origin string of a replica listening on the Unix domain socket `socketPath`. */
export function unixOrigin(socketPath: string): string {
  return `${UNIX_PREFIX}${socketPath}`;
}

/** Reads an origin string back into where to connect. */
export function replicaAddress(origin: string): ReplicaAddress {
  return origin.startsWith(UNIX_PREFIX) ? { socketPath: origin.slice(UNIX_PREFIX.length) } : { url: origin };
}
