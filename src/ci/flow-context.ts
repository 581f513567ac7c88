// What every flow is given, and what it gives back.
import type { RunReport } from '../github/run-report.ts';
import type { Workspace } from '../workspace/workspace.ts';
import type { CiSettings } from './settings.ts';
import { toReport } from './to-report.ts';

export type FlowContext = {
  settings: CiSettings;
  ws: Workspace;
  /** Where fromEnv secrets are read: the job's environment. */
  env: NodeJS.ProcessEnv;
  /** A pull request from a fork: candidates never get network, and the secrets are the workflow's (none). */
  fork: boolean;
  /** The commit the run is about, for the report. */
  commit: string | null;
  /** A progress line (already scrubbed of the secrets reported through `secrets`). */
  log: (line: string) => void;
  /** Called as soon as the flow knows which fromEnv variables the models read, so their values are masked from then on. */
  secrets: (names: string[]) => void;
};

export type FlowRun = (ctx: FlowContext) => Promise<RunReport>;

/** A report of a run that failed before it had a plan. */
export function failedReport(kind: RunReport['kind'], ctx: Pick<FlowContext, 'commit'>, modelsFile: string, failure: string): RunReport {
  return toReport({ kind, commit: ctx.commit, modelsFile }, { failure });
}
