// Runs a model's examples against a deployed (or candidate) model and compares the answers.
import type { ModelSpec } from '../spec/types.ts';
import { compareOutput } from './compare-output.ts';

/** What calling a model gave: the function's value, or why there is none. */
export type CallAnswer = { ok: true; response: unknown } | { ok: false; status: number; message: string };

export type CallModel = (model: string, input: unknown) => Promise<CallAnswer>;

export type TestResult = {
  model: string;
  index: number;
  input: unknown;
  expected: unknown;
  got: unknown;
  pass: boolean;
  /** Why it failed: the mismatch, or the call's error. */
  detail: string | null;
  latencyMs: number;
};

/** Calls the model once per example, in order; an example without `output` passes when the call succeeds. */
export async function runExamples(model: ModelSpec, call: CallModel): Promise<TestResult[]> {
  const results: TestResult[] = [];
  for (const [index, example] of model.examples.entries()) {
    const start = performance.now();
    const answer = await call(model.name, example.input);
    const latencyMs = performance.now() - start;
    const base = { model: model.name, index, input: example.input, expected: example.output, latencyMs };
    if (!answer.ok) {
      results.push({ ...base, got: null, pass: false, detail: `call failed (${answer.status}): ${answer.message}` });
      continue;
    }
    if (example.output === undefined) {
      results.push({ ...base, got: answer.response, pass: true, detail: null });
      continue;
    }
    const comparison = compareOutput(example.output, answer.response, example.tolerance ?? 0);
    results.push({
      ...base,
      got: answer.response,
      pass: comparison.pass,
      detail: comparison.pass ? null : `${comparison.where}: ${comparison.why}`,
    });
  }
  return results;
}
