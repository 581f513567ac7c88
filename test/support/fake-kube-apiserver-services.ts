// The fake API server's service proxy (`/api/v1/namespaces/<ns>/services/<name>[:<port>]/proxy/<path>`,
// https://kubernetes.io/docs/tasks/access-application-cluster/access-cluster-services/#manually-constructing-apiserver-proxy-urls):
// the Service's port (by name or number), then a ready endpoint of its EndpointSlices on that
// port's name, as the real server's ResourceLocation does. Like the real server, the caller's
// `Authorization` is consumed by the API server and not forwarded; other headers and the query are.
// One deviation: a real API server refuses to proxy to loopback addresses; the fake's endpoints are on loopback.
import { request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { fakeResources } from './fake-kube-apiserver-resources.ts';
import { FakeApiError, type FakeStore, type Obj } from './fake-kube-apiserver-store.ts';

const services = fakeResources.find((r) => r.name === 'services')!;
const slices = fakeResources.find((r) => r.name === 'endpointslices')!;

export const SERVICE_PROXY = /^\/api\/v1\/namespaces\/([^/]+)\/services\/([^/]+)\/proxy(\/.*)?$/;

type ServicePort = { name?: string; port: number };
type Slice = { ports?: Array<{ name?: string; port: number }>; endpoints?: Array<{ addresses: string[]; conditions?: { ready?: boolean } }> };

/** Answers a service proxy request (`path` matched SERVICE_PROXY). */
export function proxyToService(store: FakeStore, req: IncomingMessage, res: ServerResponse, path: string, body: Buffer): void {
  const match = SERVICE_PROXY.exec(path)!;
  const namespace = decodeURIComponent(match[1]);
  const [name, portName] = decodeURIComponent(match[2]).split(':');
  const service = store.get(services, namespace, name);
  if (!service) throw new FakeApiError(404, 'NotFound', `services "${name}" not found`);
  const ports = ((service.spec as { ports?: ServicePort[] }).ports ?? []);
  const port = portName === undefined ? ports[0] : ports.find((p) => p.name === portName || String(p.port) === portName);
  if (!port) throw new FakeApiError(503, 'ServiceUnavailable', `no service port "${portName}" on service "${name}"`);
  let target: { host: string; port: number } | null = null;
  for (const slice of store.list(slices, namespace, `kubernetes.io/service-name=${name}`) as Array<Obj & Slice>) {
    const slicePort = slice.ports?.find((p) => (p.name ?? '') === (port.name ?? ''));
    const endpoint = slice.endpoints?.find((e) => e.conditions?.ready !== false);
    if (slicePort && endpoint) {
      target = { host: endpoint.addresses[0], port: slicePort.port };
      break;
    }
  }
  if (!target) throw new FakeApiError(503, 'ServiceUnavailable', `no endpoints available for service "${name}"`);
  const { authorization: _consumed, host: _host, connection: _connection, ...headers } = req.headers;
  const query = new URL(req.url ?? '/', 'http://fake').search;
  const forwarded = httpRequest({ ...target, method: req.method, path: `${match[3] ?? '/'}${query}`, headers: { ...headers, 'content-length': body.length } }, (answer) => {
    res.writeHead(answer.statusCode ?? 502, answer.headers);
    answer.pipe(res);
  });
  forwarded.on('error', (error) => {
    const text = JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: `error trying to reach service: ${error.message}`, reason: 'ServiceUnavailable', code: 503 });
    if (!res.headersSent) res.writeHead(503, { 'content-type': 'application/json' });
    res.end(text);
  });
  forwarded.end(body);
}
