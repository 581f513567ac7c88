// The metrics store suite on node:sqlite (a real file in a temp folder).
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openSqliteMetrics } from '../../src/metrics-store/sqlite-backend.ts';
import { metricsStoreSuite, type OpenStore } from './metrics-store-suite.ts';
import { captureStoreSuite } from './capture-store-suite.ts';

const open: OpenStore = async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'slipway-metrics-'));
  const backend = openSqliteMetrics(path.join(dir, 'pvc', 'metrics.db'));
  return {
    backend,
    cleanup: async () => {
      await backend.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
};

metricsStoreSuite('SQLite', open);
captureStoreSuite('SQLite', open);
