// The error a deployment's start fails with when one of its replicas never became ready. The
// daemon records it on the deployment (and the CLI prints it), so it carries the stderr tail:
// for an import error, that is the model's traceback.
import { environmentAdvice, type LoadFinding } from './load-report.ts';
import type { ReplicaExit } from './supervisor-types.ts';

/** Exit code of the runtime when the model's file or function could not be imported. */
export const IMPORT_FAILED_EXIT_CODE = 3;

export type ReplicaStartFailure =
  | { reason: 'exited'; exit: ReplicaExit }
  | { reason: 'timeout'; timeoutMs: number }
  | { reason: 'spawn'; message: string };

export class ReplicaStartError extends Error {
  readonly model: string;
  readonly deploymentId: number;
  readonly replicaId: string;
  readonly failure: ReplicaStartFailure;
  /** Last lines the replica wrote to stderr, oldest first. */
  readonly stderrTail: string[];
  /** The runtime's classification of the import error, when it gave one. */
  readonly load: LoadFinding | null;

  constructor(fields: { model: string; deploymentId: number; replicaId: string; failure: ReplicaStartFailure; stderrTail: string[]; load?: LoadFinding | null }) {
    super(startErrorMessage(fields));
    this.name = 'ReplicaStartError';
    this.model = fields.model;
    this.deploymentId = fields.deploymentId;
    this.replicaId = fields.replicaId;
    this.failure = fields.failure;
    this.stderrTail = fields.stderrTail;
    this.load = fields.load ?? null;
  }
}

function startErrorMessage(fields: { model: string; replicaId: string; failure: ReplicaStartFailure; stderrTail: string[]; load?: LoadFinding | null }): string {
  const { failure } = fields;
  const who = `replica ${fields.replicaId} of model "${fields.model}"`;
  if (failure.reason === 'spawn') {
    return `${who} could not start: ${failure.message}. Check that the build's Python interpreter exists.`;
  }
  let what: string;
  let advice: string;
  if (failure.reason === 'timeout') {
    what = `was not ready after ${failure.timeoutMs / 1000}s and was killed`;
    advice = 'Make the model load faster or raise the supervisor\'s ready timeout.';
  } else if (failure.exit.code === IMPORT_FAILED_EXIT_CODE) {
    what = 'could not import the model (exit code 3)';
    advice = (fields.load ? environmentAdvice(fields.load) : null) ?? 'Fix the error above in the model\'s file and apply again.';
  } else {
    what = `exited before it was ready (${describeExit(failure.exit)})`;
    advice = 'See the error above and `slipway logs` for the full output.';
  }
  const tail = fields.stderrTail.length ? `; last lines of stderr:\n${fields.stderrTail.join('\n')}` : '; it wrote nothing to stderr';
  return `${who} ${what}${tail}\n${advice}`;
}

/** `exit code 1` or `signal SIGKILL`. */
export function describeExit(exit: ReplicaExit): string {
  return exit.code !== null ? `exit code ${exit.code}` : `signal ${exit.signal ?? 'unknown'}`;
}
