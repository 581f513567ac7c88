// GET /openapi.json: an OpenAPI 3.1 description of every model the gateway serves, built from the
// routes' contracts (declared in models.yaml or inferred from the examples, src/contract/): one
// `POST /models/<name>` per model, and CML's `POST /model` envelope taking any model's input.
// The gateway serves it only to a valid API key, with the models that key may call (gateway.ts).
import type { ServerResponse } from 'node:http';
import { sendJson } from './answers.ts';
import type { ModelRoute } from './types.ts';
import { schemaDialect } from '../contract/infer-schema.ts';

type Schema = { [key: string]: unknown };

const errorSchema: Schema = {
  type: 'object',
  required: ['success', 'errorCode', 'message'],
  properties: {
    success: { const: false },
    errorCode: { type: 'string', description: 'e.g. request.invalid, auth.missing, model.error, model.busy' },
    message: { type: 'string', description: 'What was wrong and what to do' },
    ReplicaID: { type: 'string' },
    error: { type: 'object', properties: { type: { type: 'string' }, message: { type: 'string' } } },
  },
};

const errorStatuses: Record<string, string> = {
  '400': 'The body is not JSON, or (validateInput) does not match the input schema: request.invalid names the field',
  '404': 'No such model (or access key)',
  '413': 'The body is over the model\'s maxRequestBytes',
  '429': 'Every replica stayed busy (model.busy)',
  '500': 'The model\'s function raised (model.error: its type and message)',
  '502': 'The replica died or answered outside the protocol',
  '503': 'The model is stopped or has no ready replica, or the gateway is overloaded',
  '504': 'The call ran past the model\'s timeout',
};
const authStatuses: Record<string, string> = {
  '401': 'The API key is missing, unknown or revoked',
  '403': 'The API key expired or is scoped to other models',
};

/** The OpenAPI 3.1 document of these routes, models in name order. */
export function openApiDocument(routes: readonly ModelRoute[]): Schema {
  const sorted = [...routes].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const paths: Schema = {};
  const schemas: Schema = { Error: errorSchema };
  for (const route of sorted) {
    schemas[`${route.name}.input`] = route.contract?.input ?? {};
    schemas[`${route.name}.output`] = route.contract?.output ?? {};
    paths[`/models/${route.name}`] = { post: modelOperation(route) };
  }
  if (sorted.length > 0) paths['/model'] = { post: cmlOperation(sorted) };
  return {
    openapi: '3.1.0',
    info: { title: 'Slipway models', version: '1', description: 'The models this gateway serves. Schemas are declared in models.yaml (schema) or inferred from each model\'s examples.' },
    jsonSchemaDialect: schemaDialect,
    paths,
    components: {
      schemas,
      securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'A Slipway API key (`slipway keys create`)' } },
    },
  };
}

/** Answers GET /openapi.json with the document of `routes`. */
export function serveOpenApi(res: ServerResponse, routes: readonly ModelRoute[]): void {
  sendJson(res, 200, openApiDocument(routes));
}

const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${encodeURIComponent(name)}` });

function success(output: Schema): Schema {
  return {
    type: 'object',
    required: ['success', 'response'],
    properties: { success: { const: true }, response: output, ReplicaID: { type: 'string' } },
  };
}

function responses(output: Schema, auth: boolean): Schema {
  const out: Schema = { '200': { description: 'The model\'s answer', content: { 'application/json': { schema: success(output) } } } };
  const errors = auth ? { ...errorStatuses, ...authStatuses } : errorStatuses;
  for (const [status, description] of Object.entries(errors).sort()) {
    out[status] = { description, content: { 'application/json': { schema: ref('Error') } } };
  }
  return out;
}

function modelOperation(route: ModelRoute): Schema {
  const validated = route.contract?.validateInput === true ? ' The gateway validates the input against this schema.' : '';
  return {
    operationId: `call-${route.name}`,
    summary: `Call model ${route.name} (build ${route.build})`,
    description: `The body is the model's input, passed to its function as sent.${validated}`,
    requestBody: { required: true, content: { 'application/json': { schema: ref(`${route.name}.input`) } } },
    responses: responses(ref(`${route.name}.output`), route.auth),
    security: route.auth ? [{ apiKey: [] }] : [],
  };
}

function cmlOperation(routes: readonly ModelRoute[]): Schema {
  const anyAuth = routes.some((route) => route.auth);
  const allAuth = routes.every((route) => route.auth);
  return {
    operationId: 'call-cml',
    summary: 'Call a model by its access key (Cloudera ML\'s envelope)',
    requestBody: {
      required: true,
      content: {
        'application/json': {
          schema: {
            type: 'object',
            required: ['request'],
            properties: {
              accessKey: { type: 'string', description: 'The model\'s access key (or ?accessKey= in the URL)' },
              request: { description: 'The input of the model the access key names', anyOf: routes.map((route) => ref(`${route.name}.input`)) },
            },
          },
        },
      },
    },
    parameters: [{ name: 'accessKey', in: 'query', required: false, schema: { type: 'string' } }],
    responses: responses({ anyOf: routes.map((route) => ref(`${route.name}.output`)) }, anyAuth),
    // Either way when some models need a key and others do not.
    security: allAuth ? [{ apiKey: [] }] : anyAuth ? [{ apiKey: [] }, {}] : [],
  };
}
