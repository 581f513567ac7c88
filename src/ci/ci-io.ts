// Where a CI run writes what people and the CI system read: the log, annotations, the job summary,
// step outputs, secret masks. The Action passes one made of @actions/core; `slipway ci` passes the
// one below, which speaks the runner's file and workflow-command protocols itself and degrades to
// plain output on any other CI system.
import { randomUUID } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import { errorCommand, escapeCommandData } from '../github/annotations.ts';
import type { SpecIssue } from '../spec/types.ts';

export type CiIO = {
  /** A progress line for the job log. */
  log(line: string): void;
  /** An error on its line of the models file (`file`: relative to the repository root); `title` default: the file is not valid. */
  annotate(issue: SpecIssue, file: string, title?: string): void;
  /** An error that is not about a line of a file. */
  error(message: string): void;
  /** A warning (`::warning::`): something did not happen, and the run still succeeds. */
  warning(message: string): void;
  /** Appends Markdown to the job summary. */
  summary(markdown: string): Promise<void>;
  /** Sets a step output. */
  output(name: string, value: string): void;
  /** Asks the runner to hide `secret` wherever it would appear in the log. */
  mask(secret: string): void;
};

type Writable = { write(text: string): unknown };

/**
 * For `slipway ci`: on GitHub Actions (`GITHUB_ACTIONS=true`) workflow commands on stdout and the
 * `GITHUB_STEP_SUMMARY` / `GITHUB_OUTPUT` files; elsewhere `file:line:col` errors, the summary on
 * stdout, and no outputs.
 */
export function workflowCommandIO(env: NodeJS.ProcessEnv, out: Writable = process.stdout, err: Writable = process.stderr): CiIO {
  const onGitHub = env.GITHUB_ACTIONS === 'true';
  return {
    log: (line) => err.write(`${line}\n`),
    annotate(issue, file, title) {
      if (onGitHub) out.write(`${errorCommand(issue, file, title)}\n`);
      else err.write(`${file}:${issue.line}:${issue.column} ${issue.path ? `${issue.path}: ` : ''}${issue.message}\n`);
    },
    error(message) {
      if (onGitHub) out.write(`::error::${escapeCommandData(message)}\n`);
      else err.write(`error: ${message}\n`);
    },
    warning(message) {
      if (onGitHub) out.write(`::warning::${escapeCommandData(message)}\n`);
      else err.write(`warning: ${message}\n`);
    },
    async summary(markdown) {
      if (env.GITHUB_STEP_SUMMARY) appendFileSync(env.GITHUB_STEP_SUMMARY, `${markdown}\n`);
      else out.write(`${markdown}\n`);
    },
    output(name, value) {
      if (!env.GITHUB_OUTPUT) return;
      // The runner's multi-line form, with a delimiter that cannot occur in the value.
      const delimiter = `ghadelimiter_${randomUUID()}`;
      appendFileSync(env.GITHUB_OUTPUT, `${name}<<${delimiter}\n${value}\n${delimiter}\n`);
    },
    mask(secret) {
      if (onGitHub && secret) out.write(`::add-mask::${escapeCommandData(secret)}\n`);
    },
  };
}
