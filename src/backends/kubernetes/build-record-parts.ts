// Build records too big for one ConfigMap. A record lists every file of the build with its blob id
// (the plan names changed files from it), and a ConfigMap holds at most 1 MiB of data
// (https://kubernetes.io/docs/concepts/configuration/configmap/), so a build of a large project root
// cannot be one object. Such a record keeps everything but the file list; the list, gzipped, is
// split over immutable part ConfigMaps `slipway-<model>-b<n>-f<i>`, and the record names how many
// parts there are with the sha256 of what they hold, so a reader never takes a partial list.
import { createHash } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { V1ConfigMap } from '@kubernetes/client-node';
import type { ManifestEntry } from '../../source/types.ts';
import { KubeApiError, type KubeApi } from './kube-api.ts';
import { buildRecordName, label, MANAGED_BY, selectorString } from './names.ts';
import { buildRecordConfigMap, parseBuildRecord, type BuildRecord } from './records.ts';

/** A record whose `build.json` would be larger than this moves its file list into parts. */
export const RECORD_BUDGET_BYTES = 768 * 1024;
/** Base64 characters of the gzipped list per part: under the 1 MiB limit, a multiple of 4. */
export const PART_BYTES = 960 * 1024;

/** Where a record's file list went: `parts` ConfigMaps, `count` entries, sha256 of their base64. */
export type StoredFiles = { count: number; parts: number; sha256: string };

/** The ConfigMaps of `record`: the record itself, and its file list's parts when it is too big. */
export function buildRecordObjects(namespace: string, record: BuildRecord, opts: { immutable: boolean } = { immutable: true }): { record: V1ConfigMap; parts: V1ConfigMap[] } {
  const { storedFiles: _, ...plain } = record;
  if (Buffer.byteLength(JSON.stringify(plain)) <= RECORD_BUDGET_BYTES) return { record: buildRecordConfigMap(namespace, plain, opts), parts: [] };
  const packed = gzipSync(JSON.stringify(record.inputs.files), { level: 9 }).toString('base64');
  const chunks: string[] = [];
  for (let at = 0; at < packed.length; at += PART_BYTES) chunks.push(packed.slice(at, at + PART_BYTES));
  const storedFiles: StoredFiles = { count: record.inputs.files.length, parts: chunks.length, sha256: sha256(packed) };
  const stub: BuildRecord = { ...plain, inputs: { ...record.inputs, files: [] }, storedFiles };
  const name = buildRecordName(record.model, record.number);
  const parts = chunks.map((chunk, i): V1ConfigMap => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: partName(name, i),
      namespace,
      labels: { [label.managedBy]: MANAGED_BY, [label.model]: record.model, [label.buildRecordPart]: 'true', 'slipway.dev/build-number': String(record.number) },
    },
    immutable: true,
    binaryData: { 'files.json.gz': chunk },
  }));
  return { record: buildRecordConfigMap(namespace, stub, opts), parts };
}

/**
 * Creates the record (a 409 when the number is taken is the caller's), then its parts. A part that
 * exists with other content (left by a record pruned by hand) is replaced.
 */
export async function createBuildRecord(api: KubeApi, record: BuildRecord, opts: { immutable: boolean } = { immutable: true }): Promise<void> {
  const objects = buildRecordObjects(api.namespace, record, opts);
  await api.create(objects.record);
  for (const part of objects.parts) {
    try {
      await api.create(part);
    } catch (error) {
      if (!(error instanceof KubeApiError && error.status === 409)) throw error;
      const ref = { apiVersion: 'v1', kind: 'ConfigMap', name: part.metadata!.name! };
      const existing = await api.read<V1ConfigMap>(ref);
      if (existing?.binaryData?.['files.json.gz'] === part.binaryData!['files.json.gz']) continue;
      await api.remove(ref);
      await api.create(part);
    }
  }
}

/** The `build.json` a finished record is patched with (its parts never change: inputs are fixed). */
export function buildRecordData(record: BuildRecord): string {
  return buildRecordObjects('', record).record.data!['build.json'];
}

/** Every part ConfigMap (of one model, when given), by name. */
export async function listBuildRecordParts(api: KubeApi, model?: string): Promise<Map<string, V1ConfigMap>> {
  const selector = { [label.managedBy]: MANAGED_BY, [label.buildRecordPart]: 'true', ...(model === undefined ? {} : { [label.model]: model }) };
  const parts = await api.list<V1ConfigMap>('v1', 'ConfigMap', selectorString(selector));
  return new Map(parts.map((p) => [p.metadata?.name ?? '', p]));
}

/** Names of the parts `record` refers to (none for a record that fits). */
export function partNamesOf(record: BuildRecord): string[] {
  const name = buildRecordName(record.model, record.number);
  return Array.from({ length: record.storedFiles?.parts ?? 0 }, (_, i) => partName(name, i));
}

/**
 * The whole record of `map`, its file list read back from `parts` (`storedFiles` kept); null when it is not a record,
 * or a part is missing or does not match the record's digest (a record still being written).
 */
export function readBuildRecord(map: V1ConfigMap, parts: ReadonlyMap<string, V1ConfigMap>): BuildRecord | null {
  const record = parseBuildRecord(map);
  if (record === null || record.storedFiles === undefined) return record;
  let packed = '';
  for (const name of partNamesOf(record)) {
    const chunk = parts.get(name)?.binaryData?.['files.json.gz'];
    if (chunk === undefined) return null;
    packed += chunk;
  }
  if (sha256(packed) !== record.storedFiles.sha256) return null;
  const files = JSON.parse(gunzipSync(Buffer.from(packed, 'base64')).toString('utf8')) as ManifestEntry[];
  // `storedFiles` stays: it says where the list lives, which pruning needs to remove the parts.
  return { ...record, inputs: { ...record.inputs, files } };
}

/** Reads build record `number` of `model` with its parts; null when absent or unreadable. */
export async function readBuildRecordByName(api: KubeApi, model: string, number: number): Promise<BuildRecord | null> {
  const map = await api.read<V1ConfigMap>({ apiVersion: 'v1', kind: 'ConfigMap', name: buildRecordName(model, number) });
  const stub = map && parseBuildRecord(map);
  if (!map || !stub) return null;
  const parts = new Map<string, V1ConfigMap>();
  for (const name of partNamesOf(stub)) {
    const part = await api.read<V1ConfigMap>({ apiVersion: 'v1', kind: 'ConfigMap', name });
    if (part) parts.set(name, part);
  }
  return readBuildRecord(map, parts);
}

function partName(recordName: string, index: number): string {
  return `${recordName}-f${index}`;
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
