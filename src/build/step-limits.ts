// How long each external step may run before it is stopped: a hung pip, build script, buildah,
// podman, git or Kubernetes API call must not hold the daemon's apply queue (or a CI job) forever.
// The defaults are generous; `SLIPWAY_STEP_TIMEOUT_SECONDS` replaces every one of them (a small
// value in tests, a larger one for builds that legitimately take hours).

/** The external steps Slipway runs, as messages name them. */
export type StepName = 'venv' | 'pip' | 'build script' | 'buildah bud' | 'buildah push' | 'skopeo' | 'podman' | 'git' | 'kubernetes API';

const DEFAULT_SECONDS: Record<StepName, number> = {
  venv: 300,
  pip: 3600,
  'build script': 3600,
  'buildah bud': 3600,
  'buildah push': 1800,
  skopeo: 300,
  podman: 300,
  git: 300,
  'kubernetes API': 60,
};

/** Limits in seconds for some steps, replacing their defaults and the variable. */
export type StepLimits = Partial<Record<StepName, number>>;

/** The variable that replaces every step's default limit. */
export const STEP_TIMEOUT_VARIABLE = 'SLIPWAY_STEP_TIMEOUT_SECONDS';

/**
 * The time limit of `step` in seconds: `override` when given (a number, or a limit for this step),
 * else `$SLIPWAY_STEP_TIMEOUT_SECONDS`, else the step's default.
 * @throws Error naming the variable when it is set to something that is not a positive number.
 */
export function stepLimitSeconds(step: StepName, override?: number | StepLimits, env: NodeJS.ProcessEnv = process.env): number {
  const given = typeof override === 'number' ? override : override?.[step];
  if (given !== undefined) return given;
  const raw = env[STEP_TIMEOUT_VARIABLE];
  if (raw === undefined || raw.trim() === '') return DEFAULT_SECONDS[step];
  const seconds = Number(raw);
  if (!Number.isFinite(seconds) || seconds <= 0) {
    throw new Error(`${STEP_TIMEOUT_VARIABLE} is "${raw}"; set it to a number of seconds above 0, or unset it for the defaults`);
  }
  return seconds;
}

/** What follows a step's name in the message of a step stopped at its limit: what happened and what to do. */
export function overLimit(seconds: number): string {
  return `did not finish within ${seconds} s and was stopped (raise ${STEP_TIMEOUT_VARIABLE} if it needs longer)`;
}

/** Why a step was cancelled: the signal's reason when it gave one. */
export function cancelReason(signal: AbortSignal): string {
  const reason: unknown = signal.reason;
  if (reason instanceof Error && reason.name !== 'AbortError') return reason.message;
  if (typeof reason === 'string') return reason;
  return 'the apply was cancelled';
}
