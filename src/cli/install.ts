// `slipway install`: sets up the in-cluster gateway of a kubernetes target (Deployment, Service,
// ServiceAccount, Role, RoleBinding) and its metrics store (Secret, StatefulSet, Service), or
// prints their manifests with --dry-run.
import type { Command } from 'commander';
import { gatewayImage, install, installObjects, installYaml } from '../backends/kubernetes/install.ts';
import { metricsPostgresUrl } from '../backends/kubernetes/metrics-store-install.ts';
import { resolveKubernetesTarget } from '../backends/kubernetes/target-options.ts';
import { loadSpec } from '../spec/load.ts';
import { formatIssues } from '../spec/format.ts';
import { CliError } from './cli-error.ts';
import { openWorkspace } from '../workspace/workspace.ts';

type InstallFlags = {
  file?: string;
  target?: string;
  image?: string;
  namespace?: string;
  context?: string;
  kubeconfig?: string;
  registry?: string;
  imagePullSecret?: string;
  dryRun?: boolean;
};

export function registerInstall(program: Command): void {
  program
    .command('install')
    .description('set up the in-cluster gateway of a kubernetes target (needs permission to create RBAC in its namespace)')
    .option('-f, --file <path>', 'the models file (default: the nearest models.yaml)')
    .option('-t, --target <name>', 'a kubernetes target of models.yaml')
    .option('--image <image>', 'the gateway image (default: targets.<name>.gateway.image)')
    .option('-n, --namespace <namespace>', 'namespace (default: the target\'s, else the context\'s)')
    .option('--context <context>', 'kubeconfig context (default: the target\'s, else the current one)')
    .option('--kubeconfig <path>', 'kubeconfig file (default: $KUBECONFIG, ~/.kube/config, or in-cluster)')
    .option('--registry <prefix>', 'image registry prefix, when no --target is given')
    .option('--image-pull-secret <name>', 'Secret pods pull images with')
    .option('--dry-run', 'print the manifests instead of applying them')
    .action(async (flags: InstallFlags) => {
      const ws = await openWorkspace({ file: flags.file });
      const loaded = await loadSpec(ws.modelsFile, { root: ws.root, displayPath: ws.display, checkFunctions: false });
      if (!loaded.ok) throw new CliError(`${ws.display} is not valid:\n${formatIssues(loaded.errors)}`);
      const resolved = resolveKubernetesTarget(loaded.spec, flags, process.env);
      if (!resolved.ok) throw new CliError(resolved.message);
      const image = gatewayImage(resolved, flags.image);
      if (typeof image !== 'string') throw new CliError(image.error);
      const project = loaded.spec.project;
      const postgres = metricsPostgresUrl(resolved.target, process.env);
      if (!postgres.ok) throw new CliError(postgres.message);
      if (flags.dryRun) {
        const namespace = resolved.target.namespace ?? 'default';
        const metricsSecret = { token: '(made at install)', postgresUrl: postgres.url };
        process.stdout.write(installYaml(installObjects({ project, namespace, resolved, image, metricsSecret })));
        return;
      }
      let namespace: string;
      try {
        namespace = await install({ project, resolved, image, postgresUrl: postgres.url, kubeconfig: flags.kubeconfig, log: (line) => process.stderr.write(`  ${line}\n`) });
      } catch (error) {
        // API and rollout errors are written for people already; no stack.
        throw new CliError(`install failed: ${(error as Error).message}`);
      }
      process.stdout.write(
        `the Slipway gateway is running in namespace ${namespace}\n` +
          `  reach it:  kubectl -n ${namespace} port-forward svc/slipway-gateway 8080:80\n` +
          `  call:      curl -X POST localhost:8080/model -d '{"accessKey": "…", "request": {…}}'\n`,
      );
    });
}
