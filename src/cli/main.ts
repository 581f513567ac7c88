// The `slipway` program: one file per command; each builds its dependencies and passes them in.
import { Command } from 'commander';
import { registerApply } from './apply.ts';
import { registerCall } from './call.ts';
import { CliError } from './cli-error.ts';
import { registerHistory } from './history.ts';
import { registerKeys } from './keys.ts';
import { registerLifecycle } from './lifecycle.ts';
import { registerLogs } from './logs.ts';
import { registerPlan } from './plan.ts';
import { registerStatus } from './status.ts';
import { registerUp } from './up.ts';
import { registerValidate } from './validate.ts';

const program = new Command('slipway')
  .description('Git-driven, declarative deployment of machine-learning models')
  .showHelpAfterError();

registerValidate(program);
registerPlan(program);
registerApply(program);
registerUp(program);
registerStatus(program);
registerCall(program);
registerLogs(program);
registerHistory(program);
registerLifecycle(program);
registerKeys(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  // Only entry points turn errors into exit codes; a CliError's message is already meant for people.
  if (error instanceof CliError) {
    process.stderr.write(`slipway: ${error.message}\n`);
  } else {
    process.stderr.write(`slipway: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  }
  process.exitCode = 1;
}
