// One CI run, whichever door it came through (`slipway ci` or the Action): read the event, pick
// the flow, run it, then tell people: job summary, annotations, outputs, and on GitHub the sticky
// PR comment or the commit comment and status.
import { openWorkspace } from '../workspace/workspace.ts';
import { GitHubApiError, type GitHubClient } from '../github/client.ts';
import { createCommitComment, createCommitStatus, parseRepository, upsertStickyComment } from '../github/publish.ts';
import { redactText, scrubList } from '../github/redact.ts';
import { MAX_COMMENT_LENGTH, planCommentMarker, renderReportMarkdown } from '../github/render-report.ts';
import type { RunReport } from '../github/run-report.ts';
import { planSummary } from '../plan/plan-summary.ts';
import { applyFlow } from './apply-flow.ts';
import { modelPassed } from './to-report.ts';
import type { CiIO } from './ci-io.ts';
import { chooseFlow, type Flow } from './choose-flow.ts';
import { readEvent, type CiEvent } from './event.ts';
import { failedReport, type FlowContext, type FlowRun } from './flow-context.ts';
import { modelsFileName } from './load-models.ts';
import { ciTargetKind } from './ci-target-kind.ts';
import { failedExampleIssues } from './example-annotations.ts';
import { runOutputs } from './outputs.ts';
import { prFlow } from './pr-flow.ts';
import { reconcileFlow } from './reconcile-flow.ts';
import type { CiSettings } from './settings.ts';

export type CiDeps = {
  io: CiIO;
  /** Built once by the entry point from the token; null: nothing is posted to GitHub. */
  github: GitHubClient | null;
  env: NodeJS.ProcessEnv;
};

export type CiOutcome = {
  ok: boolean;
  /** The flow that ran, or null when the event called for none. */
  flow: Flow | null;
  /** Why the run failed, or what it did, in one line. */
  message: string;
  report: RunReport | null;
};

/** The commit status context of merges. */
export const APPLY_STATUS_CONTEXT = 'slipway/apply';

const FLOWS: Record<Flow, FlowRun> = {
  plan: (ctx) => prFlow(ctx, { test: false }),
  test: (ctx) => prFlow(ctx, { test: true }),
  apply: applyFlow,
  reconcile: reconcileFlow,
};

/**
 * Runs the flow `settings` and the event call for, and reports it; never throws for a failed flow.
 * The outcome's message is for the entry point to show once (CLI: an error line; Action: setFailed).
 */
export async function runCi(settings: CiSettings, deps: CiDeps): Promise<CiOutcome> {
  const { io } = deps;
  if (settings.token) io.mask(settings.token);
  const event = await readEvent(settings.eventName, settings.eventPath);
  if (!event.ok) return fail(event.message);
  const choice = chooseFlow(settings.command, event.event);
  if (!choice.ok) return fail(choice.message);
  io.log(`slipway: ${choice.why}`);
  if (choice.flow === null) return { ok: true, flow: null, message: choice.why, report: null };

  const ws = await openWorkspace({ file: settings.file ?? undefined, cwd: settings.cwd });
  let secrets: string[] = [];
  const ctx: FlowContext = {
    settings,
    ws,
    env: deps.env,
    commit: commitOf(event.event, settings),
    fork: event.event.kind === 'pull_request' && event.event.fork,
    log: (line) => io.log(redactText(line, secrets)),
    secrets: (names) => {
      secrets = scrubList(names.map((name) => deps.env[name]));
      for (const value of secrets) io.mask(value);
    },
  };
  let report: RunReport;
  try {
    // The cluster flows load the kubernetes client only when a kubernetes target is named.
    const kind = await ciTargetKind(ws, settings.backend);
    const run = kind === 'local' ? FLOWS[choice.flow] : (await import('./cluster-flows.ts')).clusterFlow(choice.flow);
    report = await run(ctx);
  } catch (error) {
    report = failedReport(choice.flow, ctx, modelsFileName(ws), redactText((error as Error).message, secrets));
  }

  for (const issue of report.issues) io.annotate(issue, report.modelsFile);
  for (const issue of failedExampleIssues(ws.modelsFile, report.modelsFile, report.models)) io.annotate(issue, report.modelsFile, 'example failed');
  await io.summary(renderReportMarkdown(report, { secrets }));
  for (const [name, value] of Object.entries(runOutputs(report, secrets))) io.output(name, value);
  const published = await publish(report, event.event, settings, deps, secrets);
  const ok = report.ok && published;
  return { ok, flow: choice.flow, message: ok ? `${choice.flow}: done` : redactText(outcomeMessage(report, published), secrets), report };
}

/** Posts the report where it belongs on GitHub; false (said in the log) when GitHub refused. */
async function publish(report: RunReport, event: CiEvent, settings: CiSettings, deps: CiDeps, secrets: string[]): Promise<boolean> {
  const wantsComment = (report.kind === 'test' || report.kind === 'plan') && event.kind === 'pull_request';
  const wantsCommit = report.kind === 'apply' && report.commit !== null;
  if (!wantsComment && !wantsCommit) return true;
  if (!deps.github || !settings.github.repository) {
    deps.io.log('slipway: no GitHub token or GITHUB_REPOSITORY: the report is in the job summary only');
    return true;
  }
  const repo = parseRepository(settings.github.repository);
  if (!repo.ok) {
    deps.io.error(repo.message);
    return false;
  }
  if (wantsComment && event.kind === 'pull_request') {
    const marker = planCommentMarker(settings.backend, report.modelsFile);
    const body = renderReportMarkdown(report, { marker, secrets, maxLength: MAX_COMMENT_LENGTH, runUrl: settings.github.runUrl });
    try {
      const comment = await upsertStickyComment(deps.github, repo.ref, event.number, marker, body);
      deps.io.log(`slipway: ${comment.created ? 'created' : 'updated'} the plan comment on pull request #${event.number}`);
    } catch (error) {
      // A fork's token (and any read-only one) cannot comment: the job summary holds the whole
      // report, so the run degrades to it instead of failing a check the author cannot fix.
      if (!(error instanceof GitHubApiError) || (error.status !== 403 && error.status !== 404)) {
        deps.io.error(redactText((error as Error).message, secrets));
        return false;
      }
      deps.io.warning(`the token cannot comment on pull request #${event.number} (GitHub answered ${error.status}; a fork's pull request gets a read-only token): the report is in the job summary`);
    }
    return true;
  }
  try {
    if (wantsCommit) {
      const sha = report.commit!;
      const body = renderReportMarkdown(report, { secrets, maxLength: MAX_COMMENT_LENGTH, runUrl: settings.github.runUrl });
      await createCommitComment(deps.github, repo.ref, sha, body);
      await createCommitStatus(deps.github, repo.ref, sha, {
        state: report.ok ? 'success' : 'failure',
        context: APPLY_STATUS_CONTEXT,
        description: redactText(statusLine(report), secrets),
        targetUrl: settings.github.runUrl,
      });
      deps.io.log(`slipway: posted the apply result on commit ${sha.slice(0, 7)}`);
    }
    return true;
  } catch (error) {
    deps.io.error(redactText((error as Error).message, secrets));
    return false;
  }
}

/** The commit a run is about: the pull request's head, the pushed commit, else the workflow's. */
function commitOf(event: CiEvent, settings: CiSettings): string | null {
  if (event.kind === 'pull_request') return event.headSha;
  if (event.kind === 'push') return event.sha;
  return settings.github.sha;
}

/** One line for the commit status: what was applied, or what failed first. */
export function statusLine(report: RunReport): string {
  if (report.issues.length > 0) return `${report.modelsFile} is not valid`;
  if (report.failure) return `apply failed: ${report.failure}`;
  const failed = report.models.find((m) => !modelPassed(m));
  if (failed) {
    // A failing example says it shortest (a gated deployment's error also explains the traffic).
    const test = failed.tests.find((t) => !t.pass);
    return `${failed.model}: ${test ? `example ${test.index + 1} failed` : (failed.error ?? failed.diff?.judgement.breaches[0])}`;
  }
  return report.plan ? `applied: ${planSummary(report.plan)}` : 'applied';
}

function outcomeMessage(report: RunReport, published: boolean): string {
  if (!published) return 'could not post the result to GitHub (see the errors above)';
  if (report.issues.length > 0) return `${report.modelsFile} is not valid: ${report.issues.length} problem(s), annotated above`;
  if (report.failure) return report.failure;
  const failed = report.models.filter((m) => !modelPassed(m)).map((m) => m.model);
  return `failed: ${failed.join(', ')} (see the job summary)`;
}

function fail(message: string): CiOutcome {
  return { ok: false, flow: null, message, report: null };
}
