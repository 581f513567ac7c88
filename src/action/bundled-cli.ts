// The CLI inside the Action's bundle: the commands the bundle runs itself for, which is the daemon
// an apply starts in the background (with `up` and `down` beside it). The full CLI is not bundled:
// its Kubernetes commands alone would more than double dist/index.js, and an Action never runs them.
import { Command } from 'commander';
import { CliError } from '../cli/cli-error.ts';
import { registerUp } from '../cli/up.ts';

const program = new Command('slipway').description('Slipway daemon (from the GitHub Action bundle)').showHelpAfterError();
registerUp(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  process.stderr.write(`slipway: ${error instanceof CliError ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
}
