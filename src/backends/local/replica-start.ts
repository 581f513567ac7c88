// Starting a deployment's replicas from its build: what the supervisor needs, read from the build's
// build.json and the deployment's serving settings, plus the variables Slipway gives every replica.
import { readBuildInfo } from '../../build/build-info.ts';
import type { StoredBuild } from '../../store/builds.ts';
import type { StoredDeployment } from '../../store/deployments.ts';
import { describeWarning } from '../../supervisor/load-report.ts';
import { deploymentCrn } from './deployment-crn.ts';
import type { LocalDeployerOptions } from './local-deployer-types.ts';

/**
 * Starts the replicas of deployment `d` from `build`, with its resolved variables; resolves once
 * all are ready, with what they warned of while loading. Throws when one cannot start.
 */
export async function startDeploymentReplicas(
  opts: Pick<LocalDeployerOptions, 'supervisor' | 'internalToken' | 'gatewayUrl' | 'secretsInUse'>,
  d: StoredDeployment,
  build: StoredBuild,
  resolved: { env: Record<string, string>; secrets: string[] },
): Promise<string[]> {
  const env = resolved.env;
  opts.secretsInUse?.(resolved.secrets);
  if (!build.artifact) throw new Error(`build #${build.number} of ${d.model} has no artifact; rebuild it`);
  const info = await readBuildInfo(build.artifact);
  if (!info.ok) throw new Error(info.message);
  const started = await opts.supervisor.start({
    model: d.model,
    build: build.number,
    deploymentId: d.id,
    buildDir: build.artifact,
    interpreter: info.info.python,
    runtime: info.info.runtime,
    library: info.info.library ?? null,
    file: info.info.file,
    function: info.info.function,
    replicas: d.serving.replicas,
    env: { SLIPWAY_API_KEY: opts.internalToken, SLIPWAY_MODEL_DEPLOYMENT_CRN: deploymentCrn(d.model, d.id), ...env },
    concurrency: d.serving.concurrency,
    gatewayUrl: opts.gatewayUrl,
    sandbox: { network: d.serving.sandbox?.network ?? true, paths: d.serving.sandbox?.paths ?? [] },
    maxRequestBytes: d.serving.maxRequestBytes,
    secrets: resolved.secrets,
    resources: { cpu: d.serving.resources.cpu, memory: d.serving.resources.memory },
  });
  // Every replica imports the same build: one replica's warnings say it for all.
  return (started[0]?.loadWarnings ?? []).map(describeWarning);
}
