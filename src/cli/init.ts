// `slipway init`: a commented models.yaml whose `$schema` line works in editors, and `.slipway/` in
// .gitignore. `slipway schema`: where the JSON Schema of models.yaml is, for editors and tools.
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { packagePath } from '../package-paths.ts';
import { CliError } from './cli-error.ts';
import { openWorkspace } from '../workspace/workspace.ts';

/** The schema as a path an editor resolves from `dir`: relative when Slipway sits inside the repository, else absolute. */
export function schemaReference(dir: string, root: string): string {
  const schema = packagePath('schemas', 'models.schema.json');
  const inside = !path.relative(root, schema).startsWith('..');
  if (!inside) return schema;
  const relative = path.relative(dir, schema);
  return relative.startsWith('.') ? relative : `./${relative}`;
}

/** The commented models.yaml `init` writes. */
export function initialModelsYaml(schema: string): string {
  return `# yaml-language-server: $schema=${schema}
# The models of this repository. Editors with the YAML language server (VS Code's YAML extension)
# complete and explain every field from the schema above; \`slipway schema\` prints where it is.
version: 1
# project: defaults to the repository folder's name.
models: []
# A model is one function in one file: it takes one JSON-decoded object and returns a JSON value.
#  - name: iris                       # in URLs: POST /models/iris
#    file: iris/predict.py            # relative to this file
#    function: predict
#    example:                         # called on every new deployment before it takes traffic
#      input: {"petal_length": 5.4}
#      output: {"petal_width": 1.88}
#      tolerance: 0.01
#    replicas: 1
#    auth: true                       # calls need an API key: slipway keys create --name me
`;
}

export function registerInit(program: Command): void {
  program
    .command('init')
    .description('write a commented models.yaml (with a working $schema line) and add .slipway/ to .gitignore')
    .option('-f, --file <path>', 'where to write the models file', 'models.yaml')
    .action(async (opts: { file: string }) => {
      const ws = await openWorkspace({ file: opts.file, needModels: false });
      if (existsSync(ws.modelsFile)) throw new CliError(`${ws.display} exists already; \`slipway validate\` checks it`);
      writeFileSync(ws.modelsFile, initialModelsYaml(schemaReference(path.dirname(ws.modelsFile), ws.root)), { flag: 'wx' });
      process.stdout.write(`wrote ${ws.display}\n`);
      if (ensureIgnored(ws.root, '.slipway/')) process.stdout.write('added .slipway/ to .gitignore\n');
      process.stdout.write('next: declare a model in it, then `slipway up`\n');
    });

  program
    .command('schema')
    .description('print the path of the JSON Schema of models.yaml')
    .action(() => {
      process.stdout.write(`${packagePath('schemas', 'models.schema.json')}\n`);
    });
}

/** Appends `entry` to the root's .gitignore unless a line already says it; true when it was added. */
function ensureIgnored(root: string, entry: string): boolean {
  const file = path.join(root, '.gitignore');
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const bare = entry.replace(/\/$/, '');
  if (text.split('\n').some((line) => [entry, bare, `/${entry}`, `/${bare}`].includes(line.trim()))) return false;
  appendFileSync(file, `${text && !text.endsWith('\n') ? '\n' : ''}${entry}\n`);
  return true;
}
