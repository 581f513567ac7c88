// Calling a replica directly in tests, whether it listens on a Unix domain socket (`unix:` origin,
// the local backend) or on TCP (`http://`), through undici as the gateway does.
import { Agent, request } from 'undici';
import { replicaAddress } from '../../src/gateway/replica-origin.ts';

export type ReplicaAnswer = { status: number; headers: Record<string, string | string[] | undefined>; text: string };

/** One request to `origin` + `path`; the body as text. */
export async function replicaRequest(
  origin: string,
  path: string,
  init: { method?: 'GET' | 'POST'; body?: string | Buffer; headers?: Record<string, string> } = {},
): Promise<ReplicaAnswer> {
  const address = replicaAddress(origin);
  const dispatcher = 'socketPath' in address ? new Agent({ connect: { socketPath: address.socketPath } }) : undefined;
  try {
    const base = 'socketPath' in address ? 'http://replica' : address.url;
    const res = await request(`${base}${path}`, { method: init.method ?? 'GET', body: init.body, headers: init.headers, dispatcher });
    return { status: res.statusCode, headers: res.headers, text: await res.body.text() };
  } finally {
    await dispatcher?.close();
  }
}
