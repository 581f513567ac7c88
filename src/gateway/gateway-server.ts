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

/** A server (not listening yet) that serves `gateway`, malformed requests included, and `metrics` at /metrics. */
export function createGatewayServer(gateway: Gateway, metrics?: GatewayMetrics): Server {
  const handle = metrics === undefined ? gateway.handle : withMetrics(gateway, metrics);
  const server = createServer(gatewayServerOptions, handle);
  server.on('clientError', gateway.handleClientError);
  return server;
}

/** `gateway.handle`, with `GET /metrics` answered by `metrics`. */
export function withMetrics(gateway: Gateway, metrics: GatewayMetrics): Gateway['handle'] {
  return (req, res) => {
    if (req.url === '/metrics') metrics.handle(req, res);
    else gateway.handle(req, res);
  };
}
