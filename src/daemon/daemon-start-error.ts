/** The daemon could not start, for a reason its message says (a port in use, a bad setting). */
export class DaemonStartError extends Error {
  override name = 'DaemonStartError';
}
