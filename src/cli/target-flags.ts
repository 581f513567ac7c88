// The options naming where a command acts: a target of models.yaml, or kubernetes flags. Kept
// apart from the kubernetes backend so commands load @kubernetes/client-node only when they use it.
import type { Command } from 'commander';

export { wantsCluster, type ClusterFlags } from '../workspace/cluster-target.ts';

/** Adds the target options to a command. */
export function targetOptions(command: Command): Command {
  return command
    .option('-t, --target <name>', 'a target of models.yaml (default: this machine, the local daemon)')
    .option('-n, --namespace <namespace>', "kubernetes namespace (default: the target's, else the context's)")
    .option('--context <context>', "kubeconfig context (default: the target's, else the current one)")
    .option('--kubeconfig <path>', 'kubeconfig file (default: $KUBECONFIG, ~/.kube/config, or in-cluster)')
    .option('--registry <prefix>', 'image registry prefix (kubernetes without a target)');
}
