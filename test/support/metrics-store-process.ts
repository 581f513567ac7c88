// A real `slipway metrics-store` process (SQLite in a folder, loopback port 0) installed in a fake
// API server's namespace as `slipway install` would leave it: its Secret with the token, its
// Service, and the Service's EndpointSlice pointing at the process, so the API server's service
// proxy reaches it.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { FakeKubeApiServer } from './fake-kube-apiserver.ts';

export type MetricsStoreProcess = { url: string; token: string; port: number; stop(): Promise<void> };

const main = path.resolve(import.meta.dirname, '../../src/cli/main.ts');

export async function startMetricsStoreProcess(fake: FakeKubeApiServer, namespace: string, file: string): Promise<MetricsStoreProcess> {
  const token = `store-token-${process.pid}`;
  const child: ChildProcess = spawn(process.execPath, [main, 'metrics-store', '--data', file, '--port', '0', '--host', '127.0.0.1'], {
    env: { ...process.env, SLIPWAY_METRICS_STORE_TOKEN: token }, stdio: ['ignore', 'ignore', 'pipe'],
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const port = await new Promise<number>((resolve, reject) => {
    let err = '';
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      err += chunk;
      const match = /serving on 127\.0\.0\.1:(\d+)/.exec(err);
      if (match) resolve(Number(match[1]));
    });
    child.once('exit', (code) => reject(new Error(`metrics-store exited with ${code}: ${err}`)));
  });
  fake.put('secrets', namespace, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'slipway-metrics-store' }, data: { token: Buffer.from(token).toString('base64') } });
  fake.put('services', namespace, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'slipway-metrics-store' }, spec: { ports: [{ name: 'http', port: 80, targetPort: 'http' }] } });
  fake.put('endpointslices', namespace, {
    apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
    metadata: { name: 'slipway-metrics-store-a', labels: { 'kubernetes.io/service-name': 'slipway-metrics-store' } },
    addressType: 'IPv4', ports: [{ name: 'http', port, protocol: 'TCP' }], endpoints: [{ addresses: ['127.0.0.1'], conditions: { ready: true } }],
  });
  return {
    url: `http://127.0.0.1:${port}`,
    token,
    port,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
    },
  };
}
