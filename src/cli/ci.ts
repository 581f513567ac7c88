// `slipway ci`: the CI runner for any CI system. It reads the event GitHub Actions describes
// (GITHUB_EVENT_NAME / GITHUB_EVENT_PATH, or --event / --payload), runs the flow it calls for,
// and reports as the Action does: job summary, annotations, outputs, PR comment, commit status.
import type { Command } from 'commander';
import { workflowCommandIO } from '../ci/ci-io.ts';
import { runCi } from '../ci/run-ci.ts';
import { resolveSettings } from '../ci/settings.ts';
import { createGitHubClient } from '../github/client.ts';
import { CliError } from './cli-error.ts';

type CiOptions = {
  event?: string;
  payload?: string;
  command?: string;
  planFingerprint?: string;
  file?: string;
  backend?: string;
  failOnDrift?: boolean;
  gatewayUrl?: string;
  port?: string;
  unsafeCandidates?: boolean;
};

/** Adds `slipway ci`. */
export function registerCi(program: Command): void {
  program
    .command('ci')
    .description('run the CI flow the event calls for: plan and test calls on pull requests, apply on merges, reconcile on schedule')
    .option('--event <name>', 'the event name (default: $GITHUB_EVENT_NAME)')
    .option('--payload <file>', 'the event payload, a GitHub webhook JSON (default: $GITHUB_EVENT_PATH)')
    .option('--command <command>', 'auto | plan | apply | reconcile | test', 'auto')
    .option('-f, --file <path>', 'the models file (default: the nearest models.yaml)')
    .option('--backend <name>', 'where models run', 'local')
    .option('--fail-on-drift', 'reconcile: exit 1 when drift was found')
    .option('--gateway-url <url>', "the gateway's public URL, for the curl in reports (default: the daemon's)")
    .option('--port <port>', 'port of a daemon this run starts', '8700')
    .option('--unsafe-candidates', 'run candidates without a sandbox where none can be made')
    .option('--plan-fingerprint <sha256>', "apply only the plan with this fingerprint (a plan run's plan-fingerprint output)")
    .addHelpText('after', '\nThe GitHub token is read from $GITHUB_TOKEN (never from a flag), the API from $GITHUB_API_URL,\nthe repository from $GITHUB_REPOSITORY. The summary goes to $GITHUB_STEP_SUMMARY, or stdout.')
    .action(async (opts: CiOptions) => {
      const resolved = resolveSettings(
        {
          command: opts.command,
          file: opts.file,
          backend: opts.backend,
          failOnDrift: opts.failOnDrift ?? false,
          gatewayUrl: opts.gatewayUrl,
          port: opts.port,
          planFingerprint: opts.planFingerprint,
          eventName: opts.event,
          eventPath: opts.payload,
          unsafeCandidates: opts.unsafeCandidates === true,
        },
        process.env,
      );
      if (!resolved.ok) throw new CliError(resolved.message);
      const settings = resolved.settings;
      const io = workflowCommandIO(process.env);
      const github = settings.token ? createGitHubClient({ token: settings.token, baseUrl: settings.github.apiUrl, log: io.log }) : null;
      const outcome = await runCi(settings, { io, github, env: process.env });
      if (!outcome.ok) {
        io.error(outcome.message);
        process.exitCode = 1;
      }
    });
}
