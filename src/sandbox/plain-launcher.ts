// No sandbox: the replica runs as the daemon's user with the daemon's view of the machine. Used
// where no sandbox can be made (said once by `status`), and for candidates only with
// `--unsafe-candidates`.
import type { ReplicaLauncher } from './launcher.ts';

/** Runs the command as it is. */
export const plainLauncher: ReplicaLauncher = {
  name: 'plain',
  isolated: false,
  prepare: async () => (command) => command,
};
