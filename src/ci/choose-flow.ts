// Which flow a run takes: the command when one is given, else (`auto`) what the event calls for.
import type { CiCommand } from './settings.ts';
import type { CiEvent } from './event.ts';

/** `plan`: plan only. `test`: the pull-request flow (plan, build, test calls). */
export type Flow = 'plan' | 'test' | 'apply' | 'reconcile';

/** A flow and why it was chosen, or no flow and why there is nothing to do; or a bad request. */
export type FlowChoice = { ok: true; flow: Flow | null; why: string } | { ok: false; message: string };

const PR_ACTIONS = ['opened', 'synchronize', 'reopened'];
const FLOWS: readonly string[] = ['plan', 'test', 'apply', 'reconcile'];

/**
 * `auto`: pull_request opened / synchronize / reopened → test; push to the default branch → apply;
 * schedule → reconcile; workflow_dispatch → its `command` input (plan when absent). Anything else
 * runs nothing. An explicit command runs whatever the event.
 */
export function chooseFlow(command: CiCommand, event: CiEvent): FlowChoice {
  if (command !== 'auto') return { ok: true, flow: command, why: `command ${command}` };
  switch (event.kind) {
    case 'pull_request':
      if (PR_ACTIONS.includes(event.action)) return { ok: true, flow: 'test', why: `pull request #${event.number} ${event.action}: plan, build and test calls` };
      return { ok: true, flow: null, why: `pull request #${event.number} ${event.action}: nothing to do (Slipway acts on ${PR_ACTIONS.join(', ')})` };
    case 'push': {
      if (event.deleted) return { ok: true, flow: null, why: `${event.ref} was deleted: nothing to apply` };
      if (event.defaultBranch === null) return { ok: true, flow: null, why: `push to ${event.ref}: the payload does not name the default branch, so nothing is applied` };
      if (event.ref !== `refs/heads/${event.defaultBranch}`) {
        return { ok: true, flow: null, why: `push to ${event.ref}, not the default branch ${event.defaultBranch}: nothing to apply` };
      }
      return { ok: true, flow: 'apply', why: `push to the default branch ${event.defaultBranch}: apply` };
    }
    case 'schedule':
      return { ok: true, flow: 'reconcile', why: 'scheduled run: reconcile (repair drift)' };
    case 'workflow_dispatch': {
      const wanted = event.command ?? 'plan';
      if (!FLOWS.includes(wanted)) return { ok: false, message: `the workflow_dispatch input command is "${wanted}"; expected plan or apply (or test, reconcile)` };
      return { ok: true, flow: wanted as Flow, why: `run by hand: ${wanted}` };
    }
    case 'none':
      return { ok: true, flow: 'plan', why: 'no CI event: plan only (pass --command to choose)' };
    case 'other':
      return { ok: true, flow: null, why: `event ${event.name}: Slipway has no flow for it (pull_request, push, schedule, workflow_dispatch)` };
  }
}
