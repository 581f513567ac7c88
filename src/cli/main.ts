// The `slipway` program: one file per command; each builds its dependencies and passes them in.
// Only the command being run is imported: `slipway plan` must not pay for loading the daemon,
// the gateway and their libraries (a plan of 1,000 models should take well under a second).
import module from 'node:module';
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { packagePath } from '../package-paths.ts';
import { errorReport } from './error-report.ts';
import { helpExamples } from './help-examples.ts';

// Node caches compiled (and type-stripped) modules on disk: about a third of a plan's start-up.
module.enableCompileCache?.();

type Register = (program: Command) => void;

/** Command name → the module registering it. Several names may share a module. */
const commands: Record<string, () => Promise<Register>> = {
  init: async () => (await import('./init.ts')).registerInit,
  schema: async () => (await import('./init.ts')).registerInit,
  validate: async () => (await import('./validate.ts')).registerValidate,
  plan: async () => (await import('./plan.ts')).registerPlan,
  apply: async () => (await import('./apply.ts')).registerApply,
  up: async () => (await import('./up.ts')).registerUp,
  down: async () => (await import('./up.ts')).registerUp,
  daemon: async () => (await import('./up.ts')).registerUp,
  status: async () => (await import('./status.ts')).registerStatus,
  call: async () => (await import('./call.ts')).registerCall,
  logs: async () => (await import('./logs.ts')).registerLogs,
  builds: async () => (await import('./history.ts')).registerHistory,
  deployments: async () => (await import('./history.ts')).registerHistory,
  follow: async () => (await import('../follow/follow-command.ts')).registerFollow,
  history: async () => (await import('../history/history-command.ts')).registerTimeline,
  prune: async () => (await import('./prune.ts')).registerPrune,
  stop: async () => (await import('./lifecycle.ts')).registerLifecycle,
  start: async () => (await import('./lifecycle.ts')).registerLifecycle,
  restart: async () => (await import('./lifecycle.ts')).registerLifecycle,
  promote: async () => (await import('../rollouts/promote-command.ts')).registerPromote,
  keys: async () => (await import('./keys.ts')).registerKeys,
  install: async () => (await import('./install.ts')).registerInstall,
  gateway: async () => (await import('./gateway.ts')).registerGateway,
  'metrics-store': async () => (await import('./metrics-store.ts')).registerMetricsStore,
  ci: async () => (await import('./ci.ts')).registerCi,
  test: async () => (await import('./test.ts')).registerTest,
  import: async () => (await import('./import-cml.ts')).registerImport,
  python: async () => (await import('./python.ts')).registerPython,
  capture: async () => (await import('../capture/capture-command.ts')).registerCapture,
  diff: async () => (await import('../diff/diff-command.ts')).registerDiff,
};

// `slipway status | head` closes the pipe before the output ends: the reader has what it wanted.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
  process.exit(0);
});

// --debug anywhere on the command line: stack traces for errors (commander never sees it).
const debug = process.argv.includes('--debug');
const argv = process.argv.filter((arg) => arg !== '--debug');

const program = new Command('slipway')
  .description('Git-driven, declarative deployment of machine-learning models')
  .version(packageVersion(), '-V, --version', 'print the version of Slipway')
  // A typo gets commander's suggestion and this line, not the whole help.
  .showHelpAfterError('(`slipway --help` lists the commands; add --debug to any command for stack traces)')
  .addHelpText('after', '\nExamples:\n  slipway init && slipway up\n  slipway plan\n  slipway apply --yes\n\nEvery command takes --debug (stack traces on errors); `slipway <command> --help` has examples.');

try {
  const name = argv[2];
  const versionOnly = name === '--version' || name === '-V';
  const loaders = name !== undefined && Object.hasOwn(commands, name) ? [commands[name]] : versionOnly ? [] : Object.values(commands);
  const registered = new Set<Register>();
  for (const load of loaders) {
    const register = await load();
    if (!registered.has(register)) {
      registered.add(register);
      register(program);
    }
  }
  for (const command of program.commands) {
    const examples = helpExamples[command.name()];
    if (examples) command.addHelpText('after', `\nExamples:\n${examples.map((e) => `  ${e}`).join('\n')}`);
    command.showHelpAfterError(`(\`slipway ${command.name()} --help\` for its options and examples)`);
  }
  await program.parseAsync(argv);
} catch (error) {
  // The one place errors become output and an exit code: one line, a hint, a stack only with --debug.
  process.stderr.write(errorReport(error, { debug }));
  process.exitCode = 1;
}

function packageVersion(): string {
  return (JSON.parse(readFileSync(packagePath('package.json'), 'utf8')) as { version: string }).version;
}
