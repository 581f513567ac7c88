// Reads `buildah bud` output as it streams, to say which Containerfile step failed and which steps
// came from the layer cache. buildah announces each step as `STEP 5/13: RUN ["bash", "build.sh"]`,
// a cached one with `--> Using cache <id>` after it, and a failure as
// `Error: building at STEP "RUN bash build.sh": exit status 3`.

export type StepFailure = {
  /** `5/13`, or null when the failure came before any step was announced. */
  position: string | null;
  /** The instruction as the Containerfile has it: `RUN ["bash", "build.sh"]`. */
  instruction: string;
  /** buildah's reason: `exit status 3`. */
  reason: string | null;
};

export type StepTracker = {
  /** Feeds one line of buildah output (without a trailing newline). */
  observe(line: string): void;
  /** The step being run when buildah failed: the one its error names, else the last announced. */
  failure(): StepFailure | null;
  /** The instructions whose layer came from the cache, in order. */
  cached(): string[];
};

const STEP = /^STEP (\d+\/\d+): (.*)$/;
const CACHE = /^--> Using cache [0-9a-f]+/;
const ERROR = /building at STEP "(.*)": (.*)$/;
const ANY_ERROR = /^Error: (.*)$/;

/** A tracker for one build's output. */
export function createStepTracker(): StepTracker {
  let current: { position: string; instruction: string } | null = null;
  let error: { instruction: string; reason: string } | null = null;
  const cached: string[] = [];
  return {
    observe(line) {
      const step = STEP.exec(line);
      if (step !== null) {
        current = { position: step[1]!, instruction: step[2]! };
        return;
      }
      if (CACHE.test(line) && current !== null) {
        cached.push(current.instruction);
        return;
      }
      const failed = ERROR.exec(line);
      if (failed !== null) {
        error = { instruction: failed[1]!, reason: failed[2]! };
        return;
      }
      // Errors outside a RUN (a base image that is not there) name no step; the reason still helps.
      const other = ANY_ERROR.exec(line);
      if (other !== null && error === null) error = { instruction: '', reason: other[1]! };
    },
    failure() {
      if (current !== null) return { position: current.position, instruction: current.instruction, reason: error?.reason ?? null };
      if (error !== null) return { position: null, instruction: error.instruction || 'buildah', reason: error.reason };
      return null;
    },
    cached: () => [...cached],
  };
}

/** A failure for a message: `STEP 5/13 RUN ["bash", "build.sh"] failed (exit status 3)`. */
export function describeStepFailure(failure: StepFailure): string {
  const where = failure.position === null ? failure.instruction : `STEP ${failure.position} ${failure.instruction}`;
  return `${where} failed${failure.reason === null ? '' : ` (${failure.reason})`}`;
}
