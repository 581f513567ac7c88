// The plan's input from the running side (Observed) and its output (Plan). Backends produce
// Observed; `plan()` turns desired state, build keys and Observed into a Plan without any I/O.
import type { DesiredState, ModelSpec, Serving } from '../spec/types.ts';
import type { KeyInputs } from '../source/types.ts';
import type { Reason } from './reason.ts';

/** `pruned`: succeeded once, its artifact since removed by `slipway prune`. */
export type BuildStatus = 'building' | 'succeeded' | 'failed' | 'pruned';

export type ObservedBuild = {
  number: number;
  key: string;
  inputs: KeyInputs;
  status: BuildStatus;
  /**
   * Why this target's apply never deploys the build although it succeeded (e.g. `was a
   * pull-request candidate, built again for the registry`): the plan builds the key anew.
   */
  notReusable?: string;
};

/** The last deployment Slipway applied for a model: what should be running. */
export type AppliedDeployment = {
  id: number;
  build: number;
  serving: Serving;
  servingHash: string;
  /** The state apply asked for. */
  state: DesiredState;
};

/** What is actually running now, as the backend sees it. */
export type LiveState = {
  /** `missing`: nothing runs although a deployment was applied (daemon down, Deployment deleted). */
  state: 'running' | 'stopped' | 'missing';
  /** Replicas the running deployment has (as the backend reports it, e.g. edited by hand). */
  replicas: number;
  readyReplicas: number;
  /** Deployment id the live replicas belong to, when the backend can tell. */
  deploymentId: number | null;
  /** Serving hash the live replicas run with, when the backend can tell. */
  servingHash: string | null;
  /** Changes to the running template made outside Slipway (kubectl set image/env...), when the backend can tell. */
  templateChanges?: string[];
};

export type ObservedModel = {
  name: string;
  /** Every build of the model, any status, in number order. */
  builds: ObservedBuild[];
  /** Null when the model was never deployed. */
  deployment: AppliedDeployment | null;
  /** True once the model was deleted (stopped because it was no longer declared); history is kept. */
  deleted: boolean;
  /** Null when the backend cannot see live state (the plan then trusts the deployment record). */
  live: LiveState | null;
};

export type Observed = { models: ObservedModel[] };

export type Action =
  | 'create'
  | 'rebuild'
  | 'rollback'
  | 'reconfigure'
  | 'start'
  | 'stop'
  | 'repair'
  | 'delete'
  | 'noop';

export type ChangeBuild = {
  number: number;
  key: string;
  /** True when an existing build is deployed and nothing is built. */
  reused: boolean;
};

export type Change = {
  model: string;
  action: Action;
  /** The build the model will run after apply; null for `delete` and for `stop`/`start` without one. */
  build: ChangeBuild | null;
  /** Why, in words: `reasonText` of each of `why` (what every renderer shows). */
  reasons: string[];
  /** Why, as data (plan/reason.ts). Plans made by `plan()` have it; a plan read from older JSON may not. */
  why?: Reason[];
  /** The declared model, for apply; absent for `delete`. Not part of the plan's JSON. */
  desired?: ModelSpec;
};

export type Plan = { changes: Change[] };
