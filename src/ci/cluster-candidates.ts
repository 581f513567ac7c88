// What a cluster's candidates run with, shared by its pull-request check (cluster-test-flow.ts)
// and `slipway diff --target` (diff/cluster-diff.ts): images built with buildah and pushed to the
// candidates repository (which applies never deploy from: the merge builds its own), numbered in
// the cluster's build ledger, run as podman containers (pulled when missing), with the recent
// calls the cluster's metrics store captured.
import { clusterBuildLedger } from '../backends/kubernetes/cluster-build-ledger.ts';
import { buildCacheOf, candidateRegistry } from '../backends/kubernetes/image.ts';
import type { KubernetesBackend } from '../backends/kubernetes/kubernetes-backend.ts';
import { clusterRecentCaptures } from '../backends/kubernetes/metrics-store-proxy.ts';
import { stateDir } from '../backends/local/observe.ts';
import type { BuildLedger } from '../apply/build-ledger.ts';
import { createBuildahBuilder } from '../build/buildah-builder.ts';
import type { Builder } from '../build/builder.ts';
import type { RecentCaptures } from '../diff/paired-calls.ts';
import type { KubernetesTarget } from '../spec/types.ts';
import type { CandidateStarter } from './candidate-tests.ts';
import { imageStarter } from './image-starter.ts';

export type ClusterCandidateInput = {
  root: string;
  backend: KubernetesBackend;
  target: KubernetesTarget;
  /** Registry credentials for pushing the candidate images and pulling the deployed ones, or null. */
  credentials: { username: string; password: string } | null;
  log: (line: string) => void;
  /** The image builder; default buildah, pushing to the candidates repository. */
  builder?: Builder;
  /** How a build runs; default a podman container of its image. */
  start?: CandidateStarter;
};

export type ClusterCandidatePorts = { ledger: BuildLedger; builder: Builder; start: CandidateStarter; captures: RecentCaptures };

/** The ledger, builder, starter and captured calls of a cluster's candidates. */
export function clusterCandidatePorts(input: ClusterCandidateInput): ClusterCandidatePorts {
  const tlsVerify = input.target.insecureRegistry ? false : undefined;
  return {
    // Builds are recorded in the cluster as they are made, so the apply after the merge reuses them.
    ledger: clusterBuildLedger(input.backend.api),
    builder: input.builder ?? createBuildahBuilder({
      stateDir: stateDir(input.root), registry: candidateRegistry(input.target.registry), tlsVerify, credentials: input.credentials, cache: buildCacheOf(input.target, 'candidate'),
    }),
    start: input.start ?? imageStarter(tlsVerify, input.log, input.credentials),
    captures: clusterRecentCaptures(input.backend.api, input.log),
  };
}
