// What the local deployer is given and what it offers the daemon, its admin API and the dashboard:
// deploys through a `Backend`, the live state of replicas, and a model's hand stop and start.
import type { Backend } from '../backend.ts';
import type { RolloutController, RolloutState } from '../../rollouts/rollout-controller.ts';
import type { Gateway } from '../../gateway/types.ts';
import type { LiveState, Observed } from '../../plan/types.ts';
import type { Store } from '../../store/database.ts';
import type { Supervisor } from '../../supervisor/supervisor.ts';

/** Where fromEnv secrets are read from: the environment of an apply, or the daemon's own. */
export type EnvSource = Record<string, string | undefined>;

export type LocalDeployerOptions = {
  root: string;
  store: Store;
  supervisor: Supervisor;
  gateway: Gateway;
  gatewayUrl: string;
  /** Token replicas use for model-to-model calls and metrics (SLIPWAY_API_KEY, unless the deployment sets one). */
  internalToken: string;
  /** Called after access keys change, so the gateway's in-memory keyring is reloaded. */
  keysChanged: () => void;
  /** Called with the secret values of each deployment started, so the daemon's log masks them too. */
  secretsInUse?: (values: string[]) => void;
  log: (line: string) => void;
  /** The rollout controller's clock (milliseconds since the epoch); default Date.now. */
  now?: () => number;
};

/**
 * The local backend inside the daemon: turns deployments into replica processes (through the
 * supervisor) and gateway routes, keeping one current deployment per model.
 */
export interface LocalDeployer {
  /** A Backend for one apply; fromEnv secrets are read from `envSource`. */
  backendFor(envSource: EnvSource): Backend;
  /** Starts every deployment the store says should run (after a daemon restart); resolves with what could not be restored. */
  restore(envSource: EnvSource): Promise<string[]>;
  /** The store's view with the live state of every replica. */
  observe(): Observed;
  /** The live state of each model the store knows and has not deleted. */
  live(): Map<string, LiveState>;
  /** Re-lists a model's ready replicas with the gateway (after a restart, a replace, a crash). */
  refreshRoute(model: string): void;
  /** Stops a model's replicas by hand; the record still says running, so a plan shows `repair`. */
  stopLive(model: string): Promise<void>;
  /** Starts a model stopped by hand, with the deployment last applied. */
  startLive(model: string, envSource: EnvSource): Promise<void>;
  /** Canary and shadow rollouts in progress: `tick`, `endStep`, `promote`, `status`, and the call tap's `record`. */
  rollouts: RolloutController;
  /** The model's rollout as status shows it: in progress, else the last finished since the daemon started. */
  rolloutStatus(model: string): RolloutState | null;
  /** Stops every replica (daemon shutdown). */
  stopAll(): Promise<void>;
}
