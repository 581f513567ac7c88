// A node:http server for the data plane, set up so that every answer is the gateway's JSON.
import { createServer, type Server, type ServerOptions } from 'node:http';
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

/** A server (not listening yet) that serves `gateway`, malformed requests included. */
export function createGatewayServer(gateway: Gateway): Server {
  const server = createServer(gatewayServerOptions, gateway.handle);
  server.on('clientError', gateway.handleClientError);
  return server;
}
