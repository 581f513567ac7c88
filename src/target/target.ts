// The Target port: everything a command or a CI flow does to the place models run, whichever it
// is. `registry.ts` picks the implementation from the models file's target: this machine (the
// local daemon and its store, local-target.ts) or a Kubernetes namespace (kubernetes-target.ts).
// Callers never ask which one they hold.
import type { ApiKeyRecords } from '../keys/api-key-records.ts';
import type { ApplyReport } from '../apply/apply.ts';
import type { BuildLog } from '../apply/ensure-build.ts';
import type { HistoryRecord } from '../history/timeline.ts';
import type { Observed, Plan } from '../plan/types.ts';
import type { BuildKeys } from '../source/types.ts';
import type { Spec } from '../spec/types.ts';
import type { CapturedCall } from '../store/captures.ts';

export type TargetKind = 'local' | 'kubernetes';

/** A spec and its build keys, as plans take them. */
export type DesiredModels = { spec: Spec; keys: BuildKeys };

/** What a read-only view shows: the data (`--json`) and how it reads on a terminal. */
export type TargetView = { json: unknown; text: string; notes?: string[] };

export type TargetApplyRequest = {
  /** Sees a plan with changes before anything changes; false cancels. Default: apply. */
  confirm?: (plan: Plan) => Promise<boolean>;
  /**
   * Apply only the plan `confirm` saw, even where the confirmation happened outside the target's
   * lock (the local daemon plans again when the apply's turn comes). Default false.
   */
  pinConfirmed?: boolean;
  /** The fingerprint of a plan confirmed earlier (CI's `plan-fingerprint`); any other plan is refused. */
  fingerprint?: string;
  signal?: AbortSignal;
  /** Progress lines. */
  log: (line: string) => void;
  /** One-off notes for people (a daemon was started, limits are advisory). Default: `log`. */
  notice?: (line: string) => void;
  /** false: examples run after traffic moved (`--no-gate`). */
  gate?: boolean;
  /** Builds' own output where the target streams it apart (local); else, and by default, in `log`. */
  onBuild?: BuildLog;
};

export type TargetApplied =
  | { ok: true; plan: Plan; fingerprint: string; report: ApplyReport | null }
  /** `plan` and `fingerprint` are there when the target planned before refusing (a stale confirmed plan). */
  | { ok: false; message: string; plan?: Plan; fingerprint?: string };

export interface Target {
  readonly kind: TargetKind;
  /** How people name it: `local`, or the target's name in the models file. */
  readonly name: string;
  /**
   * `desired` as this target plans it: build keys and secret digests the target's own way.
   * `forApply` may create what the target lacks for that (a cluster's digest key).
   */
  prepare(desired: DesiredModels, opts: { forApply: boolean }): Promise<DesiredModels>;
  /** A note on what this target cannot enforce for `spec` (resource limits), or null. */
  advisory(spec: Spec): string | null;
  /** What runs there now, as the plan reads it. */
  observe(): Promise<Observed>;
  /** Plans against the target and applies, confirming first when asked to. */
  apply(desired: DesiredModels, request: TargetApplyRequest): Promise<TargetApplied>;
  /** What `slipway status` shows. */
  status(): Promise<TargetView>;
  /** A model's builds (`slipway builds`). */
  builds(model: string): Promise<TargetView>;
  /** A model's deployments (`slipway deployments`). */
  deployments(model: string): Promise<TargetView>;
  /** Deployment records for `slipway history` (one model, or all). */
  history(model?: string): Promise<HistoryRecord[]>;
  /** Runs `edit` on the target's API key records, saving what it changed. */
  withApiKeys<T>(edit: (records: ApiKeyRecords) => T): Promise<T>;
  /** A new access key for `model`; the old one stops working. */
  rotateAccessKey(model: string): Promise<string>;
  /** A model's captured calls from `sinceMs`, oldest first, at most `limit` (`slipway capture export`). */
  captures(model: string, q: { sinceMs: number; limit: number }): Promise<CapturedCall[]>;
}
