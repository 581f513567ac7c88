// The R twin of curl-command.ts: one line of R (httr) calling a model's endpoint in CML's
// contract, as CML's model page shows beside curl and Python. The API key is read from the
// environment (SLIPWAY_API_KEY), never written out.
import type { CurlTarget } from './curl-command.ts';

/** `'…'` as an R string literal: backslashes and single quotes escaped, so the JSON arrives intact. */
function rString(text: string): string {
  return `'${text.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
}

/** One R expression: POSTs the request and evaluates to the model's `response`. */
export function httrCall(target: CurlTarget): string {
  const body = JSON.stringify({ accessKey: target.accessKey ?? '<access key>', request: target.input ?? {} });
  const auth = target.auth ? ', httr::add_headers(Authorization = paste("Bearer", Sys.getenv("SLIPWAY_API_KEY")))' : '';
  return `httr::content(httr::POST(${JSON.stringify(target.endpoint)}, body = ${rString(body)}, httr::content_type_json()${auth}))$response`;
}
