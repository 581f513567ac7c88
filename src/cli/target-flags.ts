// The options naming where a command acts: a target of models.yaml, or kubernetes flags. Kept
// apart from the kubernetes backend so commands load @kubernetes/client-node only when they use it.
import type { Command } from 'commander';
import type { TargetFlags } from '../backends/kubernetes/target-options.ts';
import type { Spec } from '../spec/types.ts';

export type ClusterFlags = TargetFlags & { kubeconfig?: string };

/** Adds the target options to a command. */
export function targetOptions(command: Command): Command {
  return command
    .option('-t, --target <name>', 'a target of models.yaml (default: this machine, the local daemon)')
    .option('-n, --namespace <namespace>', "kubernetes namespace (default: the target's, else the context's)")
    .option('--context <context>', "kubeconfig context (default: the target's, else the current one)")
    .option('--kubeconfig <path>', 'kubeconfig file (default: $KUBECONFIG, ~/.kube/config, or in-cluster)')
    .option('--registry <prefix>', 'image registry prefix (kubernetes without a target)');
}

/** True when the flags name a kubernetes target (or stand in for one); false for this machine. */
export function wantsCluster(spec: Spec, flags: ClusterFlags): boolean {
  if (flags.target === undefined) return flags.registry !== undefined;
  return spec.targets?.[flags.target]?.backend !== 'local';
}
