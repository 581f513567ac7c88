// `slipway metrics-store`: the cluster's metrics store process (`slipway install` runs it in a
// StatefulSet): node:sqlite on a file (the PersistentVolumeClaim), or PostgreSQL. Its token comes
// from $SLIPWAY_METRICS_STORE_TOKEN (the `slipway-metrics-store` Secret), never from a flag.
import type { Command } from 'commander';
import { openPostgresMetrics } from '../metrics-store/postgres-backend.ts';
import { openSqliteMetrics } from '../metrics-store/sqlite-backend.ts';
import { createMetricsStoreServer } from '../metrics-store/metrics-store-server.ts';
import { CliError } from './cli-error.ts';

type Flags = { data?: string; postgresUrlEnv?: string; port: string; host: string };

export function registerMetricsStore(program: Command): void {
  program
    .command('metrics-store', { hidden: true })
    .description("serve the cluster's tracked-metrics store (run in the cluster by `slipway install`)")
    .option('--data <file>', 'SQLite file to keep the metrics in')
    .option('--postgres-url-env <variable>', 'environment variable holding a postgres:// URL, instead of --data')
    .option('--port <port>', 'port to listen on', '8081')
    .option('--host <address>', 'address to listen on', '0.0.0.0')
    .action(async (flags: Flags) => {
      const token = process.env.SLIPWAY_METRICS_STORE_TOKEN;
      if (!token) throw new CliError('SLIPWAY_METRICS_STORE_TOKEN is not set: the store answers only callers holding its token');
      if (!flags.data === !flags.postgresUrlEnv) throw new CliError('give exactly one of --data <file> and --postgres-url-env <variable>');
      let backend;
      if (flags.data) backend = openSqliteMetrics(flags.data);
      else {
        const url = process.env[flags.postgresUrlEnv!];
        if (!url) throw new CliError(`${flags.postgresUrlEnv} is not set: it must hold the postgres:// URL of the metrics database`);
        backend = await openPostgresMetrics(url);
      }
      const log = (line: string) => process.stderr.write(`${new Date().toISOString()} ${line}\n`);
      const server = createMetricsStoreServer({ backend, token, log });
      server.listen(Number(flags.port), flags.host);
      await new Promise((resolve) => server.once('listening', resolve));
      // The port bound, not the one asked for (0 picks a free one).
      log(`metrics store serving on ${flags.host}:${(server.address() as { port: number }).port} (${flags.data ? `SQLite ${flags.data}` : 'PostgreSQL'})`);
      await new Promise<void>((resolve) => {
        process.once('SIGTERM', resolve);
        process.once('SIGINT', resolve);
      });
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await backend.close();
    });
}
