// The daemon's one port: listened on before anything else starts, so a port in use is a clear
// start error rather than a half-started daemon.
import type { Server } from 'node:http';
import { DaemonStartError } from './daemon-start-error.ts';

/** Listens on `host:port` (0: any free port) and returns the port it got and the URL it serves at. */
export async function listenOn(server: Server, port: number, host: string): Promise<{ port: number; url: string }> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'EADDRINUSE'
          ? new DaemonStartError(`port ${port} on ${host} is already in use: stop what listens there, or choose another with --port`)
          : error,
      );
    });
    server.listen(port, host, () => resolve());
  });
  const address = server.address();
  const bound = typeof address === 'object' && address ? address.port : port;
  return { port: bound, url: `http://${host.includes(':') ? `[${host}]` : host}:${bound}` };
}
