// Code that calls a model, for its page: curl, Python (requests) and R (httr). The access key is
// the model's own; the API key is always a placeholder, never a real key.

export type SampleTarget = { endpoint: string; accessKey: string; auth: boolean; input: unknown };

export const API_KEY_PLACEHOLDER = 'YOUR_API_KEY';

export function sampleCode(t: SampleTarget): { curl: string; python: string; r: string } {
  const body = JSON.stringify({ accessKey: t.accessKey, request: t.input ?? {} });
  const shellBody = body.replace(/'/g, `'\\''`);
  const curl = [
    `curl -s ${t.endpoint} \\`,
    `  -H 'Content-Type: application/json' \\`,
    ...(t.auth ? [`  -H 'Authorization: Bearer ${API_KEY_PLACEHOLDER}' \\`] : []),
    `  -d '${shellBody}'`,
  ].join('\n');
  const python = [
    'import requests',
    '',
    `response = requests.post(`,
    `    ${JSON.stringify(t.endpoint)},`,
    `    json=${pythonLiteral({ accessKey: t.accessKey, request: t.input ?? {} })},`,
    ...(t.auth ? [`    headers={"Authorization": "Bearer ${API_KEY_PLACEHOLDER}"},`] : []),
    ')',
    'print(response.json()["response"])',
  ].join('\n');
  const r = [
    'library(httr)',
    '',
    `response <- POST(`,
    `  ${JSON.stringify(t.endpoint)},`,
    `  body = ${JSON.stringify(body)},`,
    `  content_type_json()${t.auth ? ',' : ''}`,
    ...(t.auth ? [`  add_headers(Authorization = "Bearer ${API_KEY_PLACEHOLDER}")`] : []),
    ')',
    'print(content(response)$response)',
  ].join('\n');
  return { curl, python, r };
}

/** A JSON value written as a Python literal (True/False/None). */
function pythonLiteral(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (Array.isArray(value)) return `[${value.map(pythonLiteral).join(', ')}]`;
  if (typeof value === 'object') {
    return `{${Object.entries(value as Record<string, unknown>).map(([k, v]) => `${JSON.stringify(k)}: ${pythonLiteral(v)}`).join(', ')}}`;
  }
  return JSON.stringify(value);
}
