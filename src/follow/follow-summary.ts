// What following a branch looks like to people: `slipway follow status`, the follow line of
// `slipway status`, and the dashboard's overview. Pure, apart from reading the state files.
import { readFollowConfig, readFollowState } from './follow-state-file.ts';
import type { FollowState } from './follower.ts';

const ago = (iso: string, now: Date): string => `${iso} (${Math.max(0, Math.round((now.getTime() - Date.parse(iso)) / 1000))} s ago)`;

/** The lines of `slipway follow status`. */
export function describeFollow(state: FollowState, now: Date = new Date()): string {
  const lines = [`following ${state.ref} (${state.url}) every ${Math.round(state.intervalMs / 1000)} s`];
  lines.push(state.fetched ? `  fetched ${state.fetched.commit.slice(0, 12)} at ${ago(state.fetched.at, now)}` : '  not fetched yet');
  if (state.fetchError) {
    const e = state.fetchError;
    lines.push(`  fetch FAILING (${e.failures} in a row, last at ${e.at}; next try at ${e.nextAttemptAt}): ${e.message}`);
  }
  const a = state.applied;
  if (!a) lines.push('  nothing applied yet');
  else {
    lines.push(`  planned ${a.commit.slice(0, 12)} at ${a.startedAt}: ${a.changes.length ? a.changes.join(', ') : a.outcome === 'applying' ? 'in progress' : 'no change'}`);
    lines.push(`  ${a.outcome === 'applying' ? 'applying' : a.outcome} ${a.commit.slice(0, 12)}${a.finishedAt ? ` at ${a.finishedAt}` : ''}${a.message ? `: ${a.message}` : ''}`);
    if (a.outcome === 'failed') lines.push('  (a failed commit is not retried; push a fix or revert to move on)');
  }
  return `${lines.join('\n')}\n`;
}


/** One line for `slipway status`: what the daemon follows, what it runs, and a failing fetch. */
export function followSummary(state: FollowState): string {
  const a = state.applied;
  const applied = a ? `${a.outcome} ${a.commit.slice(0, 12)}${a.outcome === 'failed' && a.message ? ` (${a.message})` : ''}` : 'nothing applied yet';
  const fetch = state.fetchError ? `; fetch FAILING ${state.fetchError.failures} in a row, next try ${state.fetchError.nextAttemptAt}: ${state.fetchError.message}` : '';
  return `following ${state.ref}: ${applied}${fetch}\n`;
}

/** The dashboard's line on following, for the daemon at `root`: null when it follows no branch. */
export function followLine(root: string): string | null {
  const state = readFollowConfig(root) ? readFollowState(root) : null;
  return state ? followSummary(state).trimEnd() : null;
}
