// CML names deployments, builds and models by CRN; the SDK's metrics calls pass them. Slipway's
// are `crn:slipway:model/<name>[/deployment/<id> | /build/<n>]`, given to replicas as
// SLIPWAY_MODEL_DEPLOYMENT_CRN so `model_deployment_crn` in answers names the real deployment.
import { MODEL_NAME_PATTERN } from '../../spec/model-name.ts';

const CRN = new RegExp(`^crn:slipway:model\\/(${MODEL_NAME_PATTERN})(?:\\/(deployment|build)\\/(\\d+))?$`);

export type ParsedCrn = { model: string; deploymentId: number | null; build: number | null };

export function deploymentCrn(model: string, deploymentId: number): string {
  return `crn:slipway:model/${model}/deployment/${deploymentId}`;
}

export function buildCrn(model: string, build: number): string {
  return `crn:slipway:model/${model}/build/${build}`;
}

export function modelCrn(model: string): string {
  return `crn:slipway:model/${model}`;
}

/** The parts of a Slipway CRN, or null for anything else. */
export function parseCrn(crn: string): ParsedCrn | null {
  const match = CRN.exec(crn);
  if (!match) return null;
  const number = match[4] === undefined ? null : Number(match[4]);
  return {
    model: match[1],
    deploymentId: match[3] === 'deployment' ? number : null,
    build: match[3] === 'build' ? number : null,
  };
}
