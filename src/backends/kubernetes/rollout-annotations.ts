// A canary or shadow on a cluster lives on the model's Service, beside the serving id
// (serving-switch.ts): which deployment is the candidate, its role and weight (what every gateway
// replica routes by), the controller's saved `RolloutSnapshot` (what the leading gateway replica
// resumes from), a request from `slipway promote --target`, and the outcome of the last rollout
// (what status shows and the next apply records). Pure: parsing and the patches that write them.
import type { V1Service } from '@kubernetes/client-node';
import type { RolloutSnapshot, RolloutState } from '../../rollouts/rollout-controller.ts';
import { RolloutWindow } from '../../rollouts/rollout-window.ts';

export const rolloutAnnotation = {
  /** The deployment id rolled out beside the serving one. */
  candidate: 'slipway.dev/rollout-deployment-id',
  /** `canary` or `shadow`. */
  role: 'slipway.dev/rollout-role',
  /** Percent of calls the canary serves, or the shadow gets copies of. */
  weight: 'slipway.dev/rollout-weight',
  /** The controller's `RolloutSnapshot` (JSON), latencies trimmed to fit an annotation. */
  snapshot: 'slipway.dev/rollout',
  /** `promote` or `step`: asked by `slipway promote --target` (or a test), done by the leading gateway. */
  request: 'slipway.dev/rollout-request',
  /** The last rollout that ended: its `RolloutState` (JSON), with how and why it ended. */
  outcome: 'slipway.dev/rollout-outcome',
} as const;

/** Latencies kept per side in the annotation (the window itself keeps more): ~10 KB of JSON at most. */
const ANNOTATION_SAMPLES = 500;

export type ServiceVariant = { role: 'canary' | 'shadow'; deploymentId: number; weight: number };

const annotationsOf = (service: V1Service | null | undefined): Record<string, string> => service?.metadata?.annotations ?? {};

/** The variant the Service's annotations name, or null (none, or edited into nonsense). */
export function variantFromService(service: V1Service | null | undefined): ServiceVariant | null {
  const a = annotationsOf(service);
  const role = a[rolloutAnnotation.role];
  const deploymentId = Number(a[rolloutAnnotation.candidate]);
  const weight = Number(a[rolloutAnnotation.weight]);
  if (role !== 'canary' && role !== 'shadow') return null;
  if (!Number.isInteger(deploymentId) || deploymentId <= 0 || !(weight >= 0 && weight <= 100)) return null;
  return { role, deploymentId, weight };
}

/** The saved rollout in progress, or null. */
export function snapshotFromService(service: V1Service | null | undefined): RolloutSnapshot | null {
  const parsed = parseJson(annotationsOf(service)[rolloutAnnotation.snapshot]) as RolloutSnapshot | null;
  if (parsed === null || typeof parsed.state?.candidateDeploymentId !== 'number' || typeof parsed.window?.liveId !== 'number') return null;
  return parsed;
}

/** The last rollout that ended (promoted, rolled back, superseded), or null. */
export function outcomeFromService(service: V1Service | null | undefined): RolloutState | null {
  const parsed = parseJson(annotationsOf(service)[rolloutAnnotation.outcome]) as RolloutState | null;
  return parsed !== null && typeof parsed.candidateDeploymentId === 'number' && typeof parsed.outcome === 'string' ? parsed : null;
}

/** What `slipway promote --target` asked for, or null. */
export function requestFromService(service: V1Service | null | undefined): 'promote' | 'step' | null {
  const request = annotationsOf(service)[rolloutAnnotation.request];
  return request === 'promote' || request === 'step' ? request : null;
}

/** A saved rollout as status shows it: the window's summary from its counters. */
export function stateOfSnapshot(snapshot: RolloutSnapshot): RolloutState {
  const saved = snapshot.savedAt === undefined ? {} : { savedAt: snapshot.savedAt };
  return { ...snapshot.state, comparison: RolloutWindow.restore(snapshot.window).summary(), ...saved };
}

/** The annotations of a rollout in progress (a merge patch's `metadata.annotations`), saved at `savedAt` (ms). */
export function runningAnnotations(snapshot: RolloutSnapshot, savedAt: number): Record<string, string> {
  const { state } = snapshot;
  return {
    [rolloutAnnotation.candidate]: String(state.candidateDeploymentId),
    [rolloutAnnotation.role]: state.strategy,
    [rolloutAnnotation.weight]: String(state.weight),
    [rolloutAnnotation.snapshot]: JSON.stringify({ ...compact(snapshot), savedAt }),
  };
}

/** The annotations once a rollout ended: the running ones and any request removed, the outcome kept. */
export function endedAnnotations(finished: RolloutState): Record<string, string | null> {
  return {
    [rolloutAnnotation.candidate]: null,
    [rolloutAnnotation.role]: null,
    [rolloutAnnotation.weight]: null,
    [rolloutAnnotation.snapshot]: null,
    [rolloutAnnotation.request]: null,
    [rolloutAnnotation.outcome]: JSON.stringify(finished),
  };
}

/**
 * The snapshot with at most ANNOTATION_SAMPLES latencies per side, rounded to the microsecond: small
 * enough to write every few seconds, far under the 256 KiB all of an object's annotations may take.
 * Latencies only ever feed percentiles, so the kept ones are evenly spaced quantiles of the sorted
 * list: any percentile of them is within 1/ANNOTATION_SAMPLES of the same percentile of all.
 */
export function compact(snapshot: RolloutSnapshot): RolloutSnapshot {
  const trim = (seconds: number[]): number[] => {
    const sorted = [...seconds].sort((a, b) => a - b);
    const n = Math.min(sorted.length, ANNOTATION_SAMPLES);
    return Array.from({ length: n }, (_, k) => Math.round(sorted[Math.floor(((k + 0.5) * sorted.length) / n)] * 1e6) / 1e6);
  };
  const { window } = snapshot;
  return {
    ...snapshot,
    window: { ...window, live: { ...window.live, seconds: trim(window.live.seconds) }, candidate: { ...window.candidate, seconds: trim(window.candidate.seconds) } },
  };
}

function parseJson(text: string | undefined): unknown {
  if (text === undefined) return null;
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null ? value : null;
  } catch {
    return null;
  }
}
