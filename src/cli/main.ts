// The `slipway` program: one file per command; each builds its dependencies and passes them in.
// Only the command being run is imported: `slipway plan` must not pay for loading the daemon,
// the gateway and their libraries (a plan of 1,000 models should take well under a second).
import module from 'node:module';
import { Command } from 'commander';
import { CliError } from './cli-error.ts';

// Node caches compiled (and type-stripped) modules on disk: about a third of a plan's start-up.
module.enableCompileCache?.();

type Register = (program: Command) => void;

/** Command name → the module registering it. Several names may share a module. */
const commands: Record<string, () => Promise<Register>> = {
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
  prune: async () => (await import('./prune.ts')).registerPrune,
  stop: async () => (await import('./lifecycle.ts')).registerLifecycle,
  start: async () => (await import('./lifecycle.ts')).registerLifecycle,
  restart: async () => (await import('./lifecycle.ts')).registerLifecycle,
  keys: async () => (await import('./keys.ts')).registerKeys,
  install: async () => (await import('./install.ts')).registerInstall,
  gateway: async () => (await import('./gateway.ts')).registerGateway,
  'metrics-store': async () => (await import('./metrics-store.ts')).registerMetricsStore,
  ci: async () => (await import('./ci.ts')).registerCi,
  test: async () => (await import('./test.ts')).registerTest,
};

// `slipway status | head` closes the pipe before the output ends: the reader has what it wanted.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
  process.exit(0);
});

const program = new Command('slipway')
  .description('Git-driven, declarative deployment of machine-learning models')
  .showHelpAfterError();

try {
  const name = process.argv[2];
  const loaders = name !== undefined && Object.hasOwn(commands, name) ? [commands[name]] : Object.values(commands);
  const registered = new Set<Register>();
  for (const load of loaders) {
    const register = await load();
    if (!registered.has(register)) {
      registered.add(register);
      register(program);
    }
  }
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
