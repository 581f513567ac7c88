// A port free on 127.0.0.1 right now (bound to port 0, then released), for a process that must be
// told its port before it reports one: the benchmarks' peers (gunicorn, uvicorn) and the runtime
// test that watches `/ready` during the import. Anything that can listen on port 0 and say which
// port it got does that instead (the daemon, podman test replicas): bind-and-release is a race.
import { createServer } from 'node:net';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}
