// The metrics store suite on a real PostgreSQL 15, started by the test on loopback; each test gets
// a fresh database of that server.
import pg from 'pg';
import { openPostgresMetrics } from '../../src/metrics-store/postgres-backend.ts';
import { havePostgres, startPostgres, type Postgres } from '../support/postgres.ts';
import { metricsStoreSuite, type OpenStore } from './metrics-store-suite.ts';
import { captureStoreSuite } from './capture-store-suite.ts';

if (!havePostgres()) {
  if (process.env.CI === 'true') throw new Error('PostgreSQL 15 is missing: apt-get install postgresql');
  console.log('skipped: PostgreSQL 15 is not installed (apt-get install postgresql)');
} else {
  const server: Postgres = await startPostgres();
  // Also on exit: a suite that throws before its teardown must not leave the server running.
  let stopped = false;
  const stop = () => {
    if (!stopped) {
      stopped = true;
      server.stop();
    }
  };
  process.on('exit', stop);
  let n = 0;
  const open: OpenStore = async () => {
    const db = `metrics_${++n}`;
    const admin = new pg.Client({ connectionString: server.url });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${db}`);
    await admin.end();
    const backend = await openPostgresMetrics(server.url.replace(/\/postgres$/, `/${db}`));
    return { backend, cleanup: () => backend.close() };
  };
  metricsStoreSuite('PostgreSQL', open);
  // The server stops after the last suite.
  captureStoreSuite('PostgreSQL', open, stop);
}
