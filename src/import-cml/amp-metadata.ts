// An Applied ML Prototype's `.project-metadata.yaml` (CML's AMP specification 1.0) translated into
// models: its create_model / build_model / deploy_model tasks, joined by entity_label, and its
// top-level environment_variables. Every other task is listed with the reason it is left out.
import { dnsLabel, envText, isEnvName, projectPath, runtimeOf, uniqueName } from './draft.ts';
import type { EnvDraft, ImportNote, ImportProblem, ModelDraft, ProjectFacts, Translated } from './draft.ts';
import { applyEnv, applyResources, describe, isRecord, stringField } from './serving-fields.ts';

type Task = { index: number; record: Record<string, unknown> };
type Group = { key: string; create: Task | null; build: Task | null; deploy: Task | null };

const modelTasks = new Set(['create_model', 'build_model', 'deploy_model']);

/** Why a task of another type has no place in models.yaml, and what to do instead. */
function leftOut(type: string, script: string | null): string {
  const run = script === null ? '' : `; run its script yourself when the models need what it makes: \`slipway python -- ${script}\``;
  switch (type) {
    case 'create_job':
    case 'run_job':
      return `Slipway serves models and does not run jobs${run}`;
    case 'run_session':
      return `Slipway serves models and does not run sessions${run}`;
    case 'start_application':
      return 'Slipway serves models, not applications; run the application yourself (it can call the models through the Slipway gateway)';
    default:
      return `task type ${type} has no counterpart in Slipway`;
  }
}

/** Translates the parsed `.project-metadata.yaml`; problems carry data paths into it. */
export function translateAmp(data: unknown, facts: ProjectFacts): Translated {
  const problems: ImportProblem[] = [];
  const notes: ImportNote[] = [];
  if (!isRecord(data)) {
    return { ok: false, problems: [{ path: [], message: 'a .project-metadata.yaml is a mapping with name and tasks (or give a list of CML APIv2 model requests)' }] };
  }
  const title = stringField(data, 'name');
  const env = projectEnv(data.environment_variables, problems, notes);
  for (const key of ['runtimes', 'engine_images'] as const) {
    if (data[key] !== undefined) {
      notes.push({ subject: key, reason: 'models run on the interpreter Slipway builds with (build.python, or the image builder\'s base image), not on CML runtimes or engine images; to build images on the one the models ran on, import with --base-image IMAGE' });
    }
  }

  const tasks = data.tasks;
  if (!Array.isArray(tasks)) {
    problems.push({ path: tasks === undefined ? [] : ['tasks'], message: 'tasks must be a list holding create_model, build_model and deploy_model tasks' });
    return { ok: false, problems };
  }
  const groups = groupModelTasks(tasks, problems, notes);
  const taken = new Set<string>();
  const models: ModelDraft[] = [];
  for (const group of groups) {
    const model = translateGroup(group, taken, problems, notes);
    if (model !== null) models.push(model);
  }
  if (problems.length > 0) return { ok: false, problems };
  if (models.length === 0) {
    return { ok: false, problems: [{ path: ['tasks'], message: 'no model to import: no build_model task names a target_file_path and target_function_name' }] };
  }
  const project = dnsLabel(title ?? '', dnsLabel(facts.folderName, 'project'));
  return { ok: true, translation: { format: 'CML Applied ML Prototype (.project-metadata.yaml)', project, projectTitle: title, env, models, notes } };
}

function projectEnv(raw: unknown, problems: ImportProblem[], notes: ImportNote[]): Record<string, EnvDraft> {
  const env: Record<string, EnvDraft> = {};
  if (raw === undefined || raw === null) return env;
  if (!isRecord(raw)) {
    problems.push({ path: ['environment_variables'], message: 'environment_variables must be a mapping of NAME: {default, description, required}' });
    return env;
  }
  for (const [name, spec] of Object.entries(raw)) {
    const at = ['environment_variables', name];
    if (!isEnvName(name)) {
      problems.push({ path: at, message: `${JSON.stringify(name)} is not a valid variable name (letters, digits and '_', not starting with a digit)` });
      continue;
    }
    const declared = isRecord(spec) ? spec : { default: spec };
    const value = declared.default;
    if (value !== undefined && value !== null) {
      const text = envText(value);
      if (text === null) problems.push({ path: [...at, 'default'], message: `the default of ${name} must be a string, a number or a boolean` });
      else env[name] = { value: text };
    } else if (declared.required === true || declared.required === 'true' || declared.required === 'True') {
      env[name] = { fromEnv: name };
      notes.push({ subject: name, reason: 'required by the AMP and without a default: models.yaml reads it from the environment (fromEnv), so set it before `slipway apply`' });
    } else {
      notes.push({ subject: name, reason: 'no default and not required: left out; add it under env in models.yaml if the models need it' });
    }
  }
  return env;
}

function groupModelTasks(tasks: unknown[], problems: ImportProblem[], notes: ImportNote[]): Group[] {
  const groups: Group[] = [];
  const modelItems: Task[] = [];
  tasks.forEach((record, index) => {
    if (!isRecord(record)) {
      problems.push({ path: ['tasks', index], message: 'a task must be a mapping with a type' });
      return;
    }
    const type = stringField(record, 'type');
    if (type === null) {
      problems.push({ path: ['tasks', index], message: 'this task has no type (create_model, build_model, deploy_model, create_job, ...)' });
      return;
    }
    if (modelTasks.has(type)) {
      modelItems.push({ index, record });
      return;
    }
    const what = stringField(record, 'name') ?? stringField(record, 'entity_label') ?? stringField(record, 'script');
    notes.push({ subject: `tasks[${index}] ${type}${what === null ? '' : ` "${what}"`}`, reason: leftOut(type, stringField(record, 'script')) });
  });
  // A build or deployment belongs to the model with its entity_label (AMPs link tasks that way);
  // without one, to the model of that name, or to the only model there is.
  const keyOf = (task: Task): string => stringField(task.record, 'entity_label') ?? stringField(task.record, 'name') ?? '';
  for (const task of modelItems.filter((t) => t.record.type === 'create_model')) {
    const key = keyOf(task);
    const existing = groups.find((g) => g.key === key);
    if (existing !== undefined) existing.create = task;
    else groups.push({ key, create: task, build: null, deploy: null });
  }
  for (const task of modelItems.filter((t) => t.record.type !== 'create_model')) {
    const key = keyOf(task);
    let group = groups.find((g) => g.key === key);
    if (group === undefined && groups.length === 1 && stringField(task.record, 'entity_label') === null) group = groups[0];
    if (group === undefined) {
      group = { key, create: null, build: null, deploy: null };
      groups.push(group);
    }
    if (task.record.type === 'build_model') group.build = task;
    else group.deploy = task;
  }
  return groups;
}

function translateGroup(group: Group, taken: Set<string>, problems: ImportProblem[], notes: ImportNote[]): ModelDraft | null {
  const create = group.create?.record ?? {};
  const build = group.build;
  const original = stringField(create, 'name') ?? (build && stringField(build.record, 'name')) ?? group.key;
  if (build === null) {
    const at = group.create ?? group.deploy;
    notes.push({ subject: `model "${original}"${at === null ? '' : ` (tasks[${at.index}])`}`, reason: 'no build_model task gives its target_file_path and target_function_name, so there is nothing to serve' });
    return null;
  }
  const b = build.record;
  const at = (key: string): Array<string | number> => ['tasks', build.index, key];
  const file = stringField(b, 'target_file_path');
  const fn = stringField(b, 'target_function_name');
  if (file === null) problems.push({ path: b.target_file_path === undefined ? ['tasks', build.index] : at('target_file_path'), message: 'build_model needs target_file_path: the file holding the model function, relative to the project root' });
  if (fn === null) problems.push({ path: b.target_function_name === undefined ? ['tasks', build.index] : at('target_function_name'), message: 'build_model needs target_function_name: the function to serve' });
  const runtime = runtimeOf(stringField(b, 'kernel'), stringField(b, 'runtime_identifier'), file);
  if (runtime === null) {
    notes.push({ subject: `model "${original}" (tasks[${build.index}])`, reason: `kernel ${JSON.stringify(b.kernel)}: Slipway runs python3 and R models only` });
    return null;
  }
  // Built even when the file or function is missing, so every other problem is found too.
  const model: ModelDraft = {
    name: uniqueName(dnsLabel(original, 'model'), taken),
    description: describe(original, stringField(create, 'description')),
    file: projectPath(file ?? ''),
    function: fn ?? '',
    runtime,
    examples: examplesOf(b.examples, at('examples'), problems),
    env: {},
  };
  const createAt = (...path: Array<string | number>): Array<string | number> => ['tasks', group.create?.index ?? 0, ...path];
  const resources = isRecord(create.default_resources) ? create.default_resources : {};
  const policy = isRecord(create.default_replication_policy) ? create.default_replication_policy : {};
  if (policy.type !== undefined && policy.type !== 'fixed') {
    notes.push({ subject: `model "${original}" default_replication_policy`, reason: `type ${JSON.stringify(policy.type)}: Slipway runs a fixed number of replicas (num_replicas, else 1)` });
  }
  const deploy = group.deploy?.record ?? {};
  const deployAt = (key: string): Array<string | number> => ['tasks', group.deploy?.index ?? 0, key];
  const pick = (key: string, ...gpuKeys: string[]) => {
    for (const k of [key, ...gpuKeys]) if (deploy[k] !== undefined) return { value: deploy[k], at: deployAt(k) };
    for (const k of [key, ...gpuKeys]) if (resources[k] !== undefined) return { value: resources[k], at: createAt('default_resources', k) };
    return undefined;
  };
  applyResources(model, {
    cpu: pick('cpu'),
    memory: pick('memory'),
    gpu: pick('gpu', 'nvidia_gpu', 'nvidia_gpus'),
    replicas: policy.num_replicas === undefined ? undefined : { value: policy.num_replicas, at: createAt('default_replication_policy', 'num_replicas') },
  }, problems);
  applyEnv(model, { value: b.environment_variables, at: at('environment_variables') }, problems);
  applyEnv(model, { value: deploy.environment_variables, at: deployAt('environment_variables') }, problems);
  if (create.auth_enabled === false || create.disable_authentication === true) model.auth = false;
  const keyVariable = stringField(create, 'access_key_environment_variable');
  if (keyVariable !== null) {
    notes.push({
      subject: `${keyVariable} (access_key_environment_variable of ${model.name})`,
      reason: 'CML saves the model\'s access key in this project variable for the project\'s jobs and applications. Slipway makes the access key at the model\'s first apply and keeps it itself (`slipway status` prints it; .slipway/access-keys.json, mode 0600); models do not need it. Set the variable yourself where a script of yours reads it',
    });
  }
  return file === null || fn === null ? null : model;
}

/** CML examples `[{request, response}]` as models.yaml's `[{input, output}]`; an empty response checks nothing. */
export function examplesOf(raw: unknown, at: Array<string | number>, problems: ImportProblem[]): ModelDraft['examples'] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) {
    problems.push({ path: at, message: 'examples must be a list of {request, response}' });
    return [];
  }
  const examples: ModelDraft['examples'] = [];
  raw.forEach((example, i) => {
    if (!isRecord(example) || example.request === undefined) {
      problems.push({ path: [...at, i], message: 'an example needs request (the model\'s input), and may give response (the expected answer)' });
      return;
    }
    const response = example.response;
    // AMPs often write `response: ""` for "no expected answer".
    const checked = response !== undefined && response !== null && response !== '';
    examples.push(checked ? { input: example.request, output: response } : { input: example.request });
  });
  return examples;
}
