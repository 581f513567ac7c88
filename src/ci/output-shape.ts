// "This change alters the output's shape": on a pull request, the shape of the deployed build's
// answers (its contract's output schema, inferred from the examples it was deployed with, or
// declared) against the candidate's: the answers its examples got from the candidate build when
// they ran, else the output schema of the pull request's examples. Said in the comment; never a
// failure by itself (the examples' expected outputs are what fail a check).
import type { ModelReport } from '../github/run-report.ts';
import type { Observed } from '../plan/types.ts';
import type { Spec } from '../spec/types.ts';
import { inferSchema } from '../contract/infer-schema.ts';
import { shapeChanges } from '../contract/shape-diff.ts';

/** Sets `outputShape` on each report whose candidate's output shape differs from the deployed one's. */
export function addOutputShapes(models: ModelReport[], spec: Spec, observed: Observed): void {
  for (const report of models) {
    const deployed = observed.models.find((m) => m.name === report.model)?.deployment?.serving.contract?.output;
    // A deployment made before contracts existed, or of a model without examples: nothing to compare with.
    if (deployed === undefined) continue;
    const answered = report.tests.filter((t) => t.pass || t.got !== null).map((t) => t.got);
    const from = answered.length > 0 ? 'answers' : 'examples';
    const candidate = from === 'answers' ? inferSchema(answered) : spec.models.find((m) => m.name === report.model)?.serving.contract?.output;
    if (candidate === undefined) continue;
    const changes = shapeChanges(deployed, candidate);
    if (changes.length > 0) report.outputShape = { from, changes };
  }
}
