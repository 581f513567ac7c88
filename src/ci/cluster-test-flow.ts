// `slipway test --target <kubernetes target>`: the pull-request check for a cluster. Plans against
// the cluster, builds the changed models' images with buildah (pushed to the candidates repository,
// which applies never deploy from: the merge builds its own), and calls their examples in a
// throwaway container run with podman, then diffs each candidate's answers and latency against the
// deployed build's image, run the same way (pr-diff.ts), on the examples, the replay set and the
// recent calls the metrics store captured. Nothing is deployed.
import { toObserved } from '../backends/kubernetes/observe.ts';
import type { KubernetesBackend } from '../backends/kubernetes/kubernetes-backend.ts';
import type { ModelReport } from '../github/run-report.ts';
import { hasChanges, plan } from '../plan/plan.ts';
import { planFingerprint } from '../plan/fingerprint.ts';
import type { Plan } from '../plan/types.ts';
import type { BuildKeys } from '../source/types.ts';
import type { KubernetesTarget, Spec } from '../spec/types.ts';
import { planned, testCandidates, type CandidateStarter } from './candidate-tests.ts';
import { diffCandidates } from './pr-diff.ts';
import { clusterCandidatePorts } from './cluster-candidates.ts';
import { plainLauncher } from '../sandbox/plain-launcher.ts';
import type { Builder } from '../build/builder.ts';

export type ClusterTestInput = {
  root: string;
  spec: Spec;
  keys: BuildKeys;
  backend: KubernetesBackend;
  target: KubernetesTarget;
  /** Registry credentials for pushing the candidate images and pulling the deployed ones, or null. */
  credentials: { username: string; password: string } | null;
  gitCommit: string | null;
  env: NodeJS.ProcessEnv;
  log: (line: string) => void;
  /** The image builder; default buildah, pushing to the target's registry. */
  builder?: Builder;
  /** How a candidate runs; default a podman container of its image. */
  start?: CandidateStarter;
};

/** The plan against the cluster, and a report per changed model with its test calls. */
export async function clusterTest(input: ClusterTestInput): Promise<{ plan: Plan; fingerprint: string; models: ModelReport[] }> {
  const state = await input.backend.readState();
  // The check plans what it builds and tests: its own earlier candidates are reused.
  const observed = toObserved(state, null);
  const thePlan = plan(input.spec, input.keys, observed);
  const fingerprint = planFingerprint(thePlan, observed);
  if (!hasChanges(thePlan)) return { plan: thePlan, fingerprint, models: [] };
  // Candidates go to their own repository: the apply on merge never takes a pull request's image.
  const { ledger, builder, start, captures } = clusterCandidatePorts(input);
  const models = await testCandidates(thePlan, {
    root: input.root,
    ledger,
    builder,
    keys: input.keys,
    gitCommit: input.gitCommit,
    log: input.log,
    env: input.env,
    start,
    // Containers are run by podman (imageStarter); the launcher is for local replicas only.
    launcher: plainLauncher,
    fork: false,
  });
  // Candidate and deployed images side by side; the deployed one is pulled from the target's registry.
  await diffCandidates(models, input.spec.models, {
    root: input.root, ledger, observed, launcher: plainLauncher, env: input.env, log: input.log, start,
    canRun: (build) => build.artifact !== null,
    captures,
  });
  return { plan: thePlan, fingerprint, models: models.length > 0 ? models : thePlan.changes.filter((c) => c.action !== 'noop').map(planned) };
}
