// Who applied a deployment, as recorded with it: `user:NAME` for someone at a terminal,
// `ci:OWNER/REPO#RUN` for a CI run, `follow:REMOTE/BRANCH` for a daemon following a branch.
// The kind before the colon is what `slipway history` groups by; the rest is for people.

/** The kinds of appliers a record names. */
export type ActorKind = 'user' | 'ci' | 'follow' | 'unknown';

/** The longest actor the daemon records; anything longer is cut (it is a label, not data). */
const MAX_ACTOR = 200;

/** The actor of an apply asked for from this process's environment: a CI run when it is one, else the user. */
export function applyActor(env: NodeJS.ProcessEnv): string {
  if (env.GITHUB_ACTIONS === 'true' && env.GITHUB_RUN_ID) {
    return `ci:${env.GITHUB_REPOSITORY ?? 'github'}#${env.GITHUB_RUN_ID}`;
  }
  const user = env.USER ?? env.LOGNAME ?? 'unknown';
  // A CI system that names no run (or a script run with CI=true) still says who ran it.
  if (env.CI === 'true' || env.CI === '1') return `ci:${env.CI_JOB_ID ?? env.BUILD_ID ?? `run by ${user}`}`;
  return `user:${user}`;
}

/** The actor of applies made by a daemon following `ref` (`origin/main`). */
export function followActor(ref: string): string {
  return `follow:${ref}`;
}

/** The kind of an actor as recorded (older records hold a bare user name: a user). */
export function actorKind(actor: string | null): ActorKind {
  if (actor === null || actor === '') return 'unknown';
  const kind = actor.slice(0, actor.indexOf(':'));
  if (kind === 'user' || kind === 'ci' || kind === 'follow') return kind;
  return 'user';
}

/**
 * An actor sent to the daemon, made safe to record and print: control characters dropped,
 * length capped. Null when nothing usable was sent (the daemon then records its own user).
 */
export function cleanActor(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  // eslint-disable-next-line no-control-regex
  const clean = value.replace(/[\u0000-\u001f\u007f]/g, '').trim().slice(0, MAX_ACTOR);
  return clean === '' ? null : clean;
}
