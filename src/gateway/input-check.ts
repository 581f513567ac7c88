// Models' contracts on the gateway. `validateInput`: a request is checked against its model's
// input schema before any replica is used; and the routes are kept for GET /openapi.json. The
// check is compiled when a route arrives with a new contract (once per deployment, never per
// call); the replica still gets the bytes the client sent (the check reads a parse of them).
import type { ServerResponse } from 'node:http';
import { sendError } from './answers.ts';
import { compileSchema, type Check } from '../contract/validator.ts';
import type { ModelRoute } from './types.ts';

/** Input checks by model name, kept in step with the gateway's routes. */
export type InputChecks = {
  /** Keeps `route` and compiles (or drops) its check; a schema that does not compile is logged and not enforced. */
  set(route: ModelRoute): void;
  remove(name: string): void;
  /** The routes served now, with their contracts (for /openapi.json). */
  routes(): ModelRoute[];
  /** True when the call may go on; else it has answered 400 `request.invalid`. */
  admit(res: ServerResponse, name: string, body: Buffer): boolean;
};

export function createInputChecks(log: (line: string) => void): InputChecks {
  const checks = new Map<string, { schema: string; check: Check }>();
  const routes = new Map<string, ModelRoute>();
  return {
    set(route) {
      routes.set(route.name, route);
      const contract = route.contract;
      if (contract?.validateInput !== true) {
        checks.delete(route.name);
        return;
      }
      // setRoute runs on every replica change: compile only when the schema itself changed.
      const schema = JSON.stringify(contract.input);
      if (checks.get(route.name)?.schema === schema) return;
      const compiled = compileSchema(contract.input);
      if (!compiled.ok) {
        // models.yaml checks declared schemas at load; this is a route edited by hand.
        log(`model ${route.name}: input schema not enforced: ${compiled.message}`);
        checks.delete(route.name);
        return;
      }
      checks.set(route.name, { schema, check: compiled.check });
    },
    remove(name) {
      routes.delete(name);
      checks.delete(name);
    },
    routes: () => [...routes.values()],
    admit(res, name, body) {
      const entry = checks.get(name);
      if (entry === undefined) return true;
      // The body already passed json-scan, so it parses.
      const wrong = entry.check(JSON.parse(body.toString('utf8')));
      if (wrong === null) return true;
      sendError(res, 400, 'request.invalid', `${wrong} (model ${name} validates its input against its schema; see GET /openapi.json)`);
      return false;
    },
  };
}
