// `slipway diff --target <kubernetes target> <model>`: what the cluster's pull-request check does
// for one model (ci/cluster-candidates.ts), from this machine: the candidate image (built with
// buildah and pushed to the candidates repository when its key has none) and the deployed build's
// image (or build N's), each in a podman container, on the examples, the replay set and the newest
// calls the cluster's metrics store captured. Nothing is deployed.
import { ensureBuild } from '../apply/ensure-build.ts';
import { toObserved } from '../backends/kubernetes/observe.ts';
import { clusterCandidatePorts } from '../ci/cluster-candidates.ts';
import { ImageUnavailable, repositoryOfImage } from '../ci/image-starter.ts';
import { CliError } from '../cli/cli-error.ts';
import { plan } from '../plan/plan.ts';
import { plainLauncher } from '../sandbox/plain-launcher.ts';
import { headCommit } from '../source/repo.ts';
import type { BuildKeys } from '../source/types.ts';
import type { Spec } from '../spec/types.ts';
import { clusterFor, withClusterDigests, withPinnedBases, type ClusterFlags } from '../workspace/cluster-target.ts';
import type { Workspace } from '../workspace/workspace.ts';
import { diffBuilds, type DiffRun } from './diff-builds.ts';
import type { DiffRequest } from './local-diff.ts';

/** The diff of `req.name` on the cluster the flags name; CliErrors for people. */
export async function clusterDiff(ws: Workspace, desired: { spec: Spec; keys: BuildKeys }, flags: ClusterFlags, req: DiffRequest, log: (line: string) => void): Promise<DiffRun> {
  const { name } = req;
  const cluster = clusterFor(desired.spec, flags, log)!;
  // Secrets digested with the cluster's key and base images pinned, as the cluster keys its builds.
  const spec = await withClusterDigests(cluster, desired.spec, { create: false });
  const keys = await withPinnedBases(cluster, desired.keys);
  const model = spec.models.find((m) => m.name === name);
  if (model === undefined) throw new CliError(`no model named ${JSON.stringify(name)} in ${ws.display}`);
  // As the pull-request check plans: its own earlier candidates are reused.
  const observed = toObserved(await cluster.backend.readState(), null);
  const change = plan(spec, keys, observed).changes.find((c) => c.model === name)!;
  const { ledger, builder, start, captures } = clusterCandidatePorts({ root: ws.root, backend: cluster.backend, target: cluster.target, credentials: cluster.credentials, log });
  const ensured = await ensureBuild(change, { root: ws.root, ledger, builder, keys, gitCommit: await headCommit(ws.repo), log });
  if (!ensured.ok) throw new CliError(`the candidate build #${ensured.number} failed: ${ensured.message}`);
  const where = `namespace ${cluster.backend.namespace}`;
  const baselineNumber = req.against ?? observed.models.find((m) => m.name === name)?.deployment?.build;
  if (baselineNumber === undefined) throw new CliError(`${name} is not deployed in ${where}; compare with --against build:N`);
  const baseline = await ledger.get(name, baselineNumber);
  if (baseline === null || baseline.status !== 'succeeded' || baseline.artifact === null) {
    throw new CliError(`${name} has no finished build #${baselineNumber} with an image in ${where} (see \`slipway builds ${name} --target …\`)`);
  }
  const report = await diffBuilds(model, ensured.build, baseline, { root: ws.root, captures, sample: req.sample, tolerance: req.tolerance, launcher: plainLauncher, env: process.env, start })
    .catch((error: Error) => {
      if (error instanceof ImageUnavailable) throw new CliError(`${error.message}; give this machine read access to ${repositoryOfImage(error.image)} (the target's \`registryCredentials\`, or \`podman login\`)`);
      throw new CliError(error.message);
    });
  const labels = { candidate: `build #${ensured.build.number}`, baseline: `build #${baseline.number}${req.against ? '' : ` (deployed in ${where})`}` };
  return { candidate: ensured.build.number, baseline: baseline.number, labels, report };
}
