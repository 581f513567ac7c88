// The kubernetes target a command's flags name, for commands that also work on this machine
// (keys, status, builds, deployments). Light to import: the kubernetes backend is loaded only
// when a target is named.
import { loadDesired } from './desired.ts';
import type { Cluster } from '../workspace/cluster-target.ts';
import { wantsCluster, type ClusterFlags } from './target-flags.ts';
import { openWorkspace } from '../workspace/workspace.ts';

/** A cluster and the project of the models.yaml that named it. */
export type NamedCluster = Cluster & { project: string };

/** The cluster of `--target` (or the flags standing in for one), or null for this machine. */
export async function clusterOf(flags: ClusterFlags & { file?: string }): Promise<NamedCluster | null> {
  if (flags.target === undefined && flags.registry === undefined) return null;
  const ws = await openWorkspace({ file: flags.file });
  const { spec } = await loadDesired(ws);
  if (!wantsCluster(spec, flags)) return null;
  const { clusterFor } = await import('../workspace/cluster-target.ts');
  return { ...clusterFor(spec, flags, (line) => process.stderr.write(`  ${line}\n`))!, project: spec.project };
}
