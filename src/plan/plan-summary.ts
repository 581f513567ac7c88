// One line saying how much a plan would do, shared by the terminal and Markdown renderers.
import type { Action, Plan } from './types.ts';

/** Actions in the order a summary lists them, each with its phrase. */
const PHRASES: [Action, string][] = [
  ['create', 'to create'],
  ['rebuild', 'to rebuild'],
  ['rollback', 'to roll back'],
  ['reconfigure', 'to reconfigure'],
  ['start', 'to start'],
  ['stop', 'to stop'],
  ['repair', 'to repair'],
  ['delete', 'to delete'],
  ['noop', 'unchanged'],
];

/** How many changes of each action `p` holds. */
export function countActions(p: Plan): Record<Action, number> {
  const counts = Object.fromEntries(PHRASES.map(([action]) => [action, 0])) as Record<Action, number>;
  for (const change of p.changes) counts[change.action] += 1;
  return counts;
}

/**
 * `2 to create, 1 to rebuild, 3 unchanged.`, or `No changes.` when applying `p` would do nothing.
 */
export function planSummary(p: Plan): string {
  const counts = countActions(p);
  if (counts.noop === p.changes.length) return 'No changes.';
  const parts = PHRASES.filter(([action]) => counts[action] > 0)
    .map(([action, phrase]) => `${counts[action]} ${phrase}`);
  return `${parts.join(', ')}.`;
}
