// The API key records port on both of its implementations: the local store's table and a list
// kept as one document (a cluster's Secret). The same edits must give the same records.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createApiKey, listApiKeys, revokeApiKey } from '../../src/keys/api-keys.ts';
import { listedApiKeyRecords, sqliteApiKeyRecords, type ApiKeyRecords } from '../../src/keys/api-key-records.ts';
import type { StoredApiKey } from '../../src/store/api-keys.ts';
import { tempStore } from '../store/fixtures.ts';

const now = new Date('2025-06-01T00:00:00Z');
const later = new Date('2025-06-02T00:00:00Z');

/** Creates three keys, revokes the second twice (the first time stays), and reads them back. */
function edits(records: ApiKeyRecords): { ids: number[]; missing: boolean; rows: StoredApiKey[] } {
  const ids = ['ci', 'sdk', 'ops'].map((name, i) => createApiKey(records, { name, models: i === 2 ? ['iris', 'iris'] : undefined }, now).id);
  assert.ok(revokeApiKey(records, ids[1], now));
  assert.ok(revokeApiKey(records, ids[1], later));
  return { ids, missing: revokeApiKey(records, 99, now), rows: records.list() };
}

/** Everything but the random hash and prefix. */
const comparable = (rows: StoredApiKey[]) => rows.map(({ keyHash: _h, prefix: _p, ...rest }) => rest);

test('the store and a listed document keep the same records for the same edits', () => {
  const { store, cleanup } = tempStore();
  try {
    const fromStore = edits(sqliteApiKeyRecords(store));
    const document: StoredApiKey[] = [];
    const fromList = edits(listedApiKeyRecords(document));
    assert.equal(fromList.ids, [1, 2, 3]);
    assert.equal(fromStore.ids, fromList.ids);
    assert.is(fromStore.missing, false);
    assert.is(fromList.missing, false);
    assert.equal(comparable(fromList.rows), comparable(fromStore.rows));
    assert.is(fromList.rows[1].revokedAt, now.toISOString(), 'the first revocation is kept');
    assert.equal(fromList.rows[2].models, ['iris'], 'a scope lists each model once');
    assert.equal(document.map((r) => r.id), [1, 2, 3], 'the document itself holds the records');
    assert.equal(listApiKeys(listedApiKeyRecords(document), later).map((k) => k.status), ['active', 'revoked', 'active']);
  } finally {
    cleanup();
  }
});

test.run();
