// A model's contract: the schemas models.yaml declares, else those its examples imply.
import type { Contract, Example } from '../spec/types.ts';
import { inferSchema, type JsonSchema } from './infer-schema.ts';

/**
 * The contract of a model with these examples and declared schemas (each side falls back to the
 * inferred one on its own), or null when there is nothing to say (no example, nothing declared).
 * An example without `output` says nothing about the answer.
 */
export function modelContract(
  examples: readonly Example[],
  declared: { input?: JsonSchema; output?: JsonSchema } | undefined,
  validateInput: boolean,
): Contract | null {
  if (examples.length === 0 && declared === undefined) return null;
  const outputs = examples.filter((example) => 'output' in example).map((example) => example.output);
  const contract: Contract = {
    input: declared?.input ?? inferSchema(examples.map((example) => example.input)),
    output: declared?.output ?? inferSchema(outputs),
  };
  if (declared !== undefined) contract.declared = true;
  if (validateInput) contract.validateInput = true;
  return contract;
}
