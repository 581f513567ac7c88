// The build ledger of a cluster: build records (ConfigMaps `slipway-<model>-b<n>`, see records.ts)
// written when a build starts and finished when it ends, so an image a pull request's check built
// is in the cluster's records, and the plan after the merge reuses it. A number is taken by
// creating its record: the API server lets only one create succeed, so concurrent builders never
// share a number. A finished record is made immutable; a succeeded one is what `observe` reports.
import type { V1ConfigMap } from '@kubernetes/client-node';
import type { BuildEnd, BuildLedger, BuildReservation, LedgerBuild } from '../../apply/build-ledger.ts';
import { KubeApiError, type KubeApi } from './kube-api.ts';
import { buildRecordName, label, MANAGED_BY, selectorString } from './names.ts';
import { statusOf, type BuildRecord } from './records.ts';
import { buildRecordData, createBuildRecord, listBuildRecordParts, readBuildRecord, readBuildRecordByName } from './build-record-parts.ts';

/** How many numbers a reservation tries when others take them at the same moment. */
const RESERVE_TRIES = 20;

/** The build ledger kept in `api`'s namespace. */
export function clusterBuildLedger(api: KubeApi): BuildLedger {
  const ref = (model: string, number: number) => ({ apiVersion: 'v1', kind: 'ConfigMap', name: buildRecordName(model, number) });

  async function records(model: string): Promise<BuildRecord[]> {
    const [maps, parts] = await Promise.all([
      api.list<V1ConfigMap>('v1', 'ConfigMap', selectorString({ [label.managedBy]: MANAGED_BY, [label.buildRecord]: 'true', [label.model]: model })),
      listBuildRecordParts(api, model),
    ]);
    return maps
      .map((map) => readBuildRecord(map, parts))
      .filter((r): r is BuildRecord => r !== null && r.model === model)
      .sort((a, b) => a.number - b.number);
  }

  async function get(model: string, number: number): Promise<LedgerBuild | null> {
    const record = await readBuildRecordByName(api, model, number);
    return record ? toLedgerBuild(record) : null;
  }

  return {
    get,
    async reserve(model: string, build: BuildReservation) {
      let number = ((await records(model)).at(-1)?.number ?? 0) + 1;
      for (let tries = 0; tries < RESERVE_TRIES; tries++, number++) {
        const record: BuildRecord = {
          model,
          number,
          key: build.key,
          inputs: build.inputs,
          artifact: null,
          digest: null,
          gitCommit: build.gitCommit,
          createdAt: new Date().toISOString(),
          status: 'building',
        };
        try {
          await createBuildRecord(api, record, { immutable: false });
          return toLedgerBuild(record);
        } catch (error) {
          if (!(error instanceof KubeApiError && error.status === 409)) throw error;
        }
      }
      throw new Error(`cannot reserve a build number for ${model}: ${RESERVE_TRIES} numbers in a row were taken meanwhile; try again`);
    },
    async finish(model: string, number: number, end: BuildEnd) {
      const current = await get(model, number);
      if (!current) throw new Error(`cannot finish build #${number} of ${model}: the cluster has no record of it`);
      const record: BuildRecord = {
        model,
        number,
        key: current.key,
        inputs: current.inputs,
        artifact: end.status === 'succeeded' ? end.artifact : null,
        digest: end.status === 'succeeded' ? end.digest : null,
        gitCommit: current.gitCommit,
        createdAt: current.startedAt,
        status: end.status,
        finishedAt: new Date().toISOString(),
        ...(end.status === 'failed' ? { errorTail: end.errorTail } : {}),
      };
      // Finished is final: the record becomes immutable, as the ones written at deploy are.
      await api.mergePatch(ref(model, number), { immutable: true, data: { 'build.json': buildRecordData(record) } });
      return toLedgerBuild(record);
    },
    list: async (model) => (await records(model)).map(toLedgerBuild),
  };
}

function toLedgerBuild(record: BuildRecord): LedgerBuild {
  return {
    model: record.model,
    number: record.number,
    key: record.key,
    inputs: record.inputs,
    artifact: record.artifact,
    gitCommit: record.gitCommit,
    status: statusOf(record),
    logPath: null,
    errorTail: record.errorTail ?? null,
    startedAt: record.createdAt,
    finishedAt: record.finishedAt ?? (statusOf(record) === 'building' ? null : record.createdAt),
    digest: record.digest,
  };
}
