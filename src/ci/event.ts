// The CI event as Slipway needs it, read from a GitHub webhook payload (GITHUB_EVENT_PATH, or
// --payload). Only the fields a flow uses are kept; a payload missing one is refused, naming it.
import { readFile } from 'node:fs/promises';

export type CiEvent =
  /** `fork`: the head repository is not the base one (or is gone): the run gets no secrets. */
  | { kind: 'pull_request'; action: string; number: number; headSha: string; baseRef: string; fork: boolean }
  | { kind: 'push'; ref: string; sha: string; defaultBranch: string | null; deleted: boolean }
  | { kind: 'schedule'; cron: string | null }
  | { kind: 'workflow_dispatch'; command: string | null; ref: string | null }
  /** No event: run by hand. */
  | { kind: 'none' }
  /** An event Slipway has no flow for. */
  | { kind: 'other'; name: string };

export type EventResult = { ok: true; event: CiEvent } | { ok: false; message: string };

/** Reads and parses the payload at `path` for event `name`; no name means no event. */
export async function readEvent(name: string | null, path: string | null): Promise<EventResult> {
  if (name === null) return { ok: true, event: { kind: 'none' } };
  if (path === null) {
    if (name === 'schedule') return { ok: true, event: { kind: 'schedule', cron: null } };
    return { ok: false, message: `event ${name} needs its payload: set GITHUB_EVENT_PATH or pass --payload <file>` };
  }
  let payload: unknown;
  try {
    payload = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    return { ok: false, message: `cannot read the ${name} event payload ${path}: ${(error as Error).message}` };
  }
  return parseEvent(name, payload);
}

/** The event `name` with its webhook `payload`, or a message naming the missing field. */
export function parseEvent(name: string, payload: unknown): EventResult {
  const p = record(payload);
  const missing = (field: string): EventResult => ({ ok: false, message: `the ${name} event payload has no ${field}; is it a GitHub webhook payload?` });
  switch (name) {
    case 'pull_request': {
      const pr = record(p.pull_request);
      const number = typeof p.number === 'number' ? p.number : pr.number;
      const head = record(pr.head);
      const base = record(pr.base);
      if (typeof p.action !== 'string') return missing('action');
      if (typeof number !== 'number') return missing('number');
      if (typeof head.sha !== 'string') return missing('pull_request.head.sha');
      if (typeof base.ref !== 'string') return missing('pull_request.base.ref');
      const headRepo = record(head.repo).full_name;
      const baseRepo = record(base.repo).full_name;
      const fork = typeof baseRepo === 'string' && headRepo !== baseRepo;
      return { ok: true, event: { kind: 'pull_request', action: p.action, number, headSha: head.sha, baseRef: base.ref, fork } };
    }
    case 'push': {
      if (typeof p.ref !== 'string') return missing('ref');
      if (typeof p.after !== 'string') return missing('after');
      const repository = record(p.repository);
      const defaultBranch = typeof repository.default_branch === 'string' ? repository.default_branch : null;
      return { ok: true, event: { kind: 'push', ref: p.ref, sha: p.after, defaultBranch, deleted: p.deleted === true } };
    }
    case 'schedule':
      return { ok: true, event: { kind: 'schedule', cron: typeof p.schedule === 'string' ? p.schedule : null } };
    case 'workflow_dispatch': {
      const inputs = record(p.inputs);
      const command = typeof inputs.command === 'string' && inputs.command !== '' ? inputs.command : null;
      return { ok: true, event: { kind: 'workflow_dispatch', command, ref: typeof p.ref === 'string' ? p.ref : null } };
    }
    default:
      return { ok: true, event: { kind: 'other', name } };
  }
}

function record(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}
