// A node:http server for the data plane, set up so that every answer is the gateway's JSON.
import { createServer, type Server, type ServerOptions } from 'node:http';
import type { GatewayMetrics } from './prometheus.ts';
import type { Gateway } from './types.ts';

/**
 * Options for a server that hands requests to `gateway.handle`. `requireHostHeader: false`:
 * otherwise node itself answers an HTTP/1.1 request without Host with a bodiless 400, before the
 * gateway sees it. A long keep-alive, because clients of a model call it again and again.
 */
export const gatewayServerOptions: ServerOptions = {
  requireHostHeader: false,
  keepAliveTimeout: 65_000,
};

/** Requests the gateway's server answers before the data plane, by exact path or path prefix. */
export type ExtraRoutes = { metrics?: GatewayMetrics; prefixes?: Array<[string, Gateway['handle']]> };

/** A server (not listening yet) that serves `gateway`, malformed requests included, `metrics` at /metrics, and `prefixes`. */
export function createGatewayServer(gateway: Gateway, extra: ExtraRoutes = {}): Server {
  const handle = extra.metrics === undefined && extra.prefixes === undefined ? gateway.handle : withRoutes(gateway, extra);
  const server = createServer(gatewayServerOptions, handle);
  server.on('clientError', gateway.handleClientError);
  return server;
}

/** `gateway.handle`, with `GET /metrics` and the `prefixes` answered first. */
function withRoutes(gateway: Gateway, extra: ExtraRoutes): Gateway['handle'] {
  const prefixes = extra.prefixes ?? [];
  return (req, res) => {
    const url = req.url ?? '';
    if (url === '/metrics' && extra.metrics !== undefined) return extra.metrics.handle(req, res);
    for (const [prefix, handle] of prefixes) if (url.startsWith(prefix)) return handle(req, res);
    gateway.handle(req, res);
  };
}
