// A list of CML APIv2 model requests (the bodies scripts send to create_model, create_model_build
// and create_model_deployment), translated into models. Items are joined by model: an item with a
// `name` is a CreateModelRequest; a build or deployment request names its model with `model_id`
// (that model's name, or an id the list gives it), or belongs to the only model of the list. One
// item may also hold everything at once, or nest auto_build_config / auto_deployment_config.
import { dnsLabel, isEnvName, projectPath, runtimeOf, uniqueName } from './draft.ts';
import type { ImportNote, ImportProblem, ModelDraft, ProjectFacts, Translated } from './draft.ts';
import { applyEnv, applyResources, describe, isRecord, stringField } from './serving-fields.ts';
import type { Located } from './serving-fields.ts';

type DataPath = Array<string | number>;

const modelFields = new Set(['project_id', 'name', 'description', 'disable_authentication', 'visibility', 'registered_model_id', 'run_as', 'auto_build_config', 'auto_deployment_config', 'auto_build_model', 'auto_deploy_model', 'id', 'model_id']);
const buildFields = new Set(['project_id', 'model_id', 'comment', 'file_path', 'function_name', 'kernel', 'runtime_identifier', 'runtime_addon_identifiers', 'registered_model_version_id', 'auto_deployment_config', 'auto_deploy_model', 'model_root_dir', 'build_script_path']);
const deploymentFields = new Set(['project_id', 'model_id', 'build_id', 'cpu', 'memory', 'nvidia_gpus', 'environment', 'replicas', 'deployment_secrets']);
/** Fields that choose CML infrastructure Slipway does not have; accepted and ignored. */
const infrastructure = new Set(['accelerator_label_id', 'resource_group_id', 'resource_profile_id']);

/** All fields one model ends up with, each where it was last written. */
type Fields = Map<string, Located>;
type Group = { id: string; names: Set<string>; fields: Fields; first: DataPath };

/** Translates a parsed list of APIv2 requests; problems carry data paths into it. */
export function translateApiV2(data: unknown[], facts: ProjectFacts): Translated {
  const problems: ImportProblem[] = [];
  const notes: ImportNote[] = [];
  const groups: Group[] = [];
  const pending: Array<{ record: Record<string, unknown>; at: DataPath }> = [];

  data.forEach((record, index) => {
    if (!isRecord(record)) {
      problems.push({ path: [index], message: 'each item must be a mapping: a CreateModelRequest, CreateModelBuildRequest or CreateModelDeploymentRequest' });
      return;
    }
    checkFields(record, [index], problems);
    const name = stringField(record, 'name');
    if (name === null) return void pending.push({ record, at: [index] });
    const ids = [name, stringField(record, 'id'), stringField(record, 'model_id')].filter((v): v is string => v !== null);
    const group = groups.find((g) => ids.some((id) => g.names.has(id)));
    if (group !== undefined) fold(group.fields, record, [index]);
    else groups.push({ id: name, names: new Set(ids), fields: fold(new Map(), record, [index]), first: [index] });
  });
  for (const { record, at } of pending) {
    const modelId = stringField(record, 'model_id');
    let group = modelId === null ? (groups.length === 1 ? groups[0] : undefined) : groups.find((g) => g.names.has(modelId));
    if (group === undefined && modelId !== null) {
      group = { id: modelId, names: new Set([modelId]), fields: new Map(), first: at };
      groups.push(group);
    }
    if (group === undefined) {
      problems.push({ path: at, message: groups.length === 0
        ? 'this request names no model: give the model a name (CreateModelRequest) or set model_id'
        : 'several models are listed: set model_id to the name of the model this request is for' });
      continue;
    }
    fold(group.fields, record, at);
  }
  if (problems.length > 0) return { ok: false, problems };

  const taken = new Set<string>();
  const models: ModelDraft[] = [];
  for (const group of groups) {
    const model = translateGroup(group, taken, problems, notes);
    if (model !== null) models.push(model);
  }
  if (problems.length > 0) return { ok: false, problems };
  if (models.length === 0) return { ok: false, problems: [{ path: [], message: 'no model to import: no request gives a file_path and function_name' }] };
  return {
    ok: true,
    translation: { format: 'CML APIv2 model requests', project: dnsLabel(facts.folderName, 'project'), projectTitle: null, env: {}, models, notes },
  };
}

function checkFields(record: Record<string, unknown>, at: DataPath, problems: ImportProblem[]): void {
  for (const key of Object.keys(record)) {
    if (modelFields.has(key) || buildFields.has(key) || deploymentFields.has(key) || infrastructure.has(key)) continue;
    problems.push({ path: [...at, key], message: `${key} is not a field of CML's CreateModelRequest, CreateModelBuildRequest or CreateModelDeploymentRequest` });
  }
  for (const nested of ['auto_build_config', 'auto_deployment_config']) {
    const value = record[nested];
    if (value === undefined || value === null) continue;
    if (!isRecord(value)) problems.push({ path: [...at, nested], message: `${nested} must be a mapping of request fields` });
    else checkFields(value, [...at, nested], problems);
  }
}

/** Adds an item's fields (nested configurations first, so the item's own fields win). */
function fold(fields: Fields, record: Record<string, unknown>, at: DataPath): Fields {
  for (const nested of ['auto_build_config', 'auto_deployment_config']) {
    if (isRecord(record[nested])) fold(fields, record[nested] as Record<string, unknown>, [...at, nested]);
  }
  for (const [key, value] of Object.entries(record)) {
    if (key !== 'auto_build_config' && key !== 'auto_deployment_config') fields.set(key, { value, at: [...at, key] });
  }
  return fields;
}

function translateGroup(group: Group, taken: Set<string>, problems: ImportProblem[], notes: ImportNote[]): ModelDraft | null {
  const f = group.fields;
  const text = (key: string): string | null => {
    const value = f.get(key)?.value;
    return typeof value === 'string' && value.trim() !== '' ? value.trim() : null;
  };
  const original = text('name') ?? group.id;
  const file = text('file_path');
  const fn = text('function_name');
  if (file === null && fn === null) {
    notes.push({ subject: `model "${original}"`, reason: 'no CreateModelBuildRequest gives its file_path and function_name, so there is nothing to serve' });
    return null;
  }
  if (file === null) problems.push({ path: f.get('file_path')?.at ?? group.first, message: 'file_path is missing: the file holding the model function' });
  if (fn === null) problems.push({ path: f.get('function_name')?.at ?? group.first, message: 'function_name is missing: the function to serve' });
  const runtime = runtimeOf(text('kernel'), text('runtime_identifier'), file);
  if (runtime === null) {
    notes.push({ subject: `model "${original}"`, reason: `kernel ${JSON.stringify(f.get('kernel')?.value)}: Slipway runs python3 and R models only` });
    return null;
  }
  if (file === null || fn === null) return null;
  const root = text('model_root_dir');
  const model: ModelDraft = {
    name: uniqueName(dnsLabel(original, 'model'), taken),
    description: describe(original, text('description')),
    file: projectPath(root ?? '', file),
    function: fn,
    runtime,
    examples: [],
    env: {},
  };
  if (root !== null) model.context = projectPath(root);
  const script = text('build_script_path');
  if (script !== null) model.script = projectPath(script);
  applyResources(model, { cpu: f.get('cpu'), memory: f.get('memory'), gpu: f.get('nvidia_gpus'), replicas: f.get('replicas') }, problems);
  const env = f.get('environment');
  if (env !== undefined) applyEnv(model, env, problems);
  if (f.get('disable_authentication')?.value === true) model.auth = false;
  if (text('runtime_identifier') !== null) {
    notes.push({ subject: `runtime_identifier of ${model.name}`, reason: 'models run on the interpreter Slipway builds with (build.python, or the image builder\'s base image), not on CML runtimes' });
  }
  const secrets = f.get('deployment_secrets')?.value;
  if (isRecord(secrets)) {
    // Never written: each secret becomes a variable read from the environment at apply.
    const at = f.get('deployment_secrets')!.at;
    for (const name of Object.keys(secrets)) {
      if (isEnvName(name)) model.env[name] = { fromEnv: name };
      else problems.push({ path: [...at, name], message: `${JSON.stringify(name)} cannot be an environment variable's name (letters, digits and '_', not starting with a digit)` });
    }
    notes.push({
      subject: `deployment_secrets of ${model.name}`,
      reason: `CML mounts them as files; models.yaml never holds their values: each becomes a variable read from the environment variable of the same name at apply (${Object.keys(secrets).join(', ')})`,
    });
  }
  return model;
}
