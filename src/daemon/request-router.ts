// Which part of the daemon answers a request on its one listener: CML's metrics API, the
// dashboard, Prometheus' /metrics, the admin API, and everything else the gateway (the data plane,
// which answers unknown paths with its JSON 404). A handler that fails is logged and answered 500,
// and never takes the daemon down.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Gateway } from '../gateway/types.ts';
import type { Dashboard } from '../ui/dashboard.ts';

type AsyncHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

export type DaemonHandlers = {
  metricsApi: AsyncHandler;
  dashboard: Dashboard;
  prometheus: { handle(req: IncomingMessage, res: ServerResponse): void };
  admin: AsyncHandler;
  gateway: Gateway;
  /** The daemon's log, secrets masked. */
  log(line: string): void;
  /** Where dashboard failures go (the daemon's own log, unmasked as before). */
  dashboardLog(line: string): void;
};

/** Hands every request and malformed request of `server` to the daemon's parts, by path. */
export function routeDaemonRequests(server: Server, h: DaemonHandlers): void {
  server.on('request', (req, res) => {
    if (req.url?.startsWith('/api/v1/metrics')) {
      h.metricsApi(req, res).catch((error: Error) => {
        h.log(`metrics API error: ${error.stack ?? error.message}`);
        if (!res.headersSent) res.writeHead(500).end();
        else res.end();
      });
    } else if (h.dashboard.owns(req.url ?? '')) {
      h.dashboard.handle(req, res).catch((error: Error) => {
        h.dashboardLog(`dashboard error: ${error.stack ?? error.message}`);
        if (!res.headersSent) res.writeHead(500).end();
        else res.end();
      });
    } else if (req.url === '/metrics') {
      h.prometheus.handle(req, res);
    } else if (req.url?.startsWith('/admin/')) {
      h.admin(req, res).catch((error: Error) => {
        h.log(`admin error: ${error.stack ?? error.message}`);
        const body = JSON.stringify({ error: `the daemon failed: ${error.message}` });
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' }).end(body);
        else res.end();
      });
    } else {
      h.gateway.handle(req, res);
    }
  });
  server.on('clientError', (err, socket) => h.gateway.handleClientError(err, socket));
}
