// A ready-to-paste curl for a model's endpoint, in CML's contract. The access key names the model
// (as in CML); the API key is the credential and appears only as a shell variable, never a value.

export type CurlTarget = {
  /** `http://host:port/model`. */
  endpoint: string;
  /** The model's access key, or null when it has none yet (first deploy). */
  accessKey: string | null;
  /** The model needs an API key. */
  auth: boolean;
  /** The request to send: the model's first example input. */
  input: unknown;
};

/** One line of shell: `curl -s <endpoint> [-H Authorization…] -H 'Content-Type…' -d '<json>'`. */
export function curlCommand(target: CurlTarget): string {
  const request = JSON.stringify({ accessKey: target.accessKey ?? '<access key>', request: target.input ?? {} });
  const auth = target.auth ? ` -H "Authorization: Bearer $SLIPWAY_API_KEY"` : '';
  return `curl -s ${target.endpoint}${auth} -H 'Content-Type: application/json' -d '${request.replaceAll("'", "'\\''")}'`;
}
