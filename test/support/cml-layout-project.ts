// A project laid out the way CML projects are: a model file in a subfolder that imports `src/…`
// from the project root and opens its artifact by a root-relative path, a root `cdsw-build.sh`
// that installs `requirements.txt` itself, and requirements the interpreter already has.

/** The files of the project; `models.yaml` declares the project root as every model's build context. */
export function cmlLayoutFiles(options: { context?: boolean; requirements?: string } = {}): Record<string, string> {
  const context = options.context ?? true;
  return {
    'models.yaml': [
      'version: 1',
      'project: churn',
      ...(context ? ['defaults:', '  build:', '    context: .'] : []),
      'env:',
      '  PROJECT_STAGE: staging',
      'models:',
      '  - name: churn',
      '    file: models/predict.py',
      '    function: predict',
      '    auth: false',
      '    examples:',
      '      - input: {"x": 3}',
      '        output: {"score": 10, "root": true}',
      '',
    ].join('\n'),
    'src/__init__.py': '',
    'src/features.py': 'def scale(x):\n    return x * 3\n',
    'models/predict.py': [
      'import json',
      'import os',
      'from src.features import scale',
      '',
      'with open("artifacts/params.json") as f:',
      '    PARAMS = json.load(f)',
      '',
      '',
      'def predict(args):',
      '    return {"score": scale(args["x"]) + PARAMS["offset"], "root": os.path.isfile("cdsw-build.sh")}',
      '',
    ].join('\n'),
    'artifacts/params.json': '{"offset": 1}\n',
    'cdsw-build.sh': '#!/bin/bash\nset -e\npip3 install -r requirements.txt\necho "built for $PROJECT_STAGE"\n',
    // The interpreter has numpy already (and an image's base has pip): nothing needs fetching.
    'requirements.txt': options.requirements ?? 'numpy\n',
  };
}
