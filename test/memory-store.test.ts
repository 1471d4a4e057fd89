import { memoryInput } from '../src/contracts/memory';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MemoryStore, type MemorySearchHit } from '../src/memory';
import { StaleWriteError, ValidationError } from '../src/contracts/errors';
import { createTestDatabase, eventually, openStore } from './helpers';

describe('memory store (real PostgreSQL)', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let store: MemoryStore;

  before(async () => {
    db = await createTestDatabase();
    store = await openStore(db.url);
  });
  after(async () => {
    await store.close();
    await db.drop();
  });

  it('stores, replaces and versions an entry; metadata is merged', async () => {
    const first = await store.entries.store(
      memoryInput.store({
        key: 'prefs/theme',
        value: { theme: 'dark' },
        memoryType: 'knowledge',
        scope: 'user',
        tenantId: 't1',
        userId: 'u1',
        metadata: { a: 1 },
      }),
    );
    assert.equal(first.syncVersion, 1);
    assert.equal(first.layer, 'short_term');
    assert.ok(
      first.expiresAt && first.expiresAt.getTime() > Date.now() + 29 * 24 * 3600 * 1000,
      'short_term defaults to 30 days',
    );
    const second = await store.entries.store(
      memoryInput.store({
        key: 'prefs/theme',
        value: { theme: 'light' },
        memoryType: 'knowledge',
        scope: 'user',
        tenantId: 't1',
        userId: 'u1',
        metadata: { b: 2 },
      }),
    );
    assert.equal(second.id, first.id);
    assert.equal(second.syncVersion, 2);
    assert.deepEqual(second.value, { theme: 'light' });
    assert.deepEqual(second.metadata, { a: 1, b: 2 });
  });

  it('treats a repeated write id as the same write (retried activity)', async () => {
    const input = { key: 'idem', value: 1, memoryType: 'task' as const, writeId: 'wf/run/1' };
    const a = await store.entries.store(memoryInput.store(input));
    const b = await store.entries.store(memoryInput.store(input));
    assert.equal(b.syncVersion, a.syncVersion);
    const { rows } = await store.pool.query("select count(*)::int as n from memory_entries where key = 'idem'");
    assert.equal(rows[0].n, 1);
  });

  it('rejects a stale write with expectedVersion and keeps the stored value', async () => {
    const v1 = await store.entries.store(memoryInput.store({ key: 'occ', value: 'one', memoryType: 'knowledge' }));
    const v2 = await store.entries.store(
      memoryInput.store({
        key: 'occ',
        value: 'two',
        memoryType: 'knowledge',
        expectedVersion: v1.syncVersion,
      }),
    );
    assert.equal(v2.syncVersion, 2);
    await assert.rejects(
      async () =>
        store.entries.store(
          memoryInput.store({ key: 'occ', value: 'three', memoryType: 'knowledge', expectedVersion: 1 }),
        ),
      (e) => e instanceof StaleWriteError && /version 2, not the expected 1/.test(e.message),
    );
    await assert.rejects(
      async () =>
        store.entries.store(
          memoryInput.store({ key: 'missing', value: 'x', memoryType: 'knowledge', expectedVersion: 1 }),
        ),
      StaleWriteError,
    );
    assert.equal((await store.entries.retrieve(memoryInput.identity({ key: 'occ' })))?.value, 'two');
  });

  it('rejects bad input naming the field, and stores nothing', async () => {
    const cases: [unknown, RegExp][] = [
      [{ key: 'x', memoryType: 'gossip' }, /memoryType/],
      [{ key: '', memoryType: 'knowledge' }, /key/],
      [{ key: 'x', memoryType: 'knowledge', layer: 'forever' }, /layer/],
      [{ key: 'x', memoryType: 'knowledge', importance: 2 }, /importance/],
      [{ key: 'x', memoryType: 'knowledge', scope: 'session' }, /sessionId: required when scope is "session"/],
      [{ key: 'x', memoryType: 'knowledge', tenantId: 'bad tenant!' }, /tenantId/],
      [{ key: 'x', memoryType: 'knowledge', tags: [''] }, /tags/],
    ];
    for (const [input, field] of cases) {
      await assert.rejects(
        async () => store.entries.store(memoryInput.store(input as never)),
        (e) => e instanceof ValidationError && field.test(e.message),
        `expected ${field} for ${JSON.stringify(input)}`,
      );
    }
    const { rows } = await store.pool.query("select count(*)::int as n from memory_entries where key = 'x'");
    assert.equal(rows[0].n, 0);
  });

  it('hides expired entries from reads and search, and counts accesses', async () => {
    await store.entries.store(
      memoryInput.store({
        key: 'old',
        value: 1,
        title: 'expired fact about penguins',
        memoryType: 'knowledge',
        expiresAt: new Date(Date.now() - 1000),
      }),
    );
    assert.equal(await store.entries.retrieve(memoryInput.identity({ key: 'old' })), null);
    assert.equal((await store.entries.search(memoryInput.search({ query: 'penguins' }))).length, 0);
    assert.equal(
      (await store.entries.search(memoryInput.search({ query: 'penguins', includeExpired: true }))).length,
      1,
    );
    await store.entries.store(memoryInput.store({ key: 'counted', value: 1, memoryType: 'knowledge' }));
    await store.entries.retrieve(memoryInput.identity({ key: 'counted' }));
    await store.entries.retrieve(memoryInput.identity({ key: 'counted' }));
    await store.entries.retrieve(memoryInput.identity({ key: 'counted' }));
    await eventually(
      async () => {
        const { rows } = await store.pool.query(
          "select access_count::int as n from memory_entries where key = 'counted'",
        );
        return rows[0].n === 3 ? true : undefined;
      },
      5000,
      'batched access counts',
    );
  });

  it('searches full text within one tenant, ranked, with filters', async () => {
    await store.entries.store(
      memoryInput.store({
        key: 'a1',
        title: 'Checkout deploy runbook',
        content: 'Deploy the checkout service with blue green releases',
        memoryType: 'knowledge',
        scope: 'tenant',
        tenantId: 'acme',
        importance: 0.9,
        tags: ['deploy'],
      }),
    );
    await store.entries.store(
      memoryInput.store({
        key: 'a2',
        title: 'Lunch menu',
        content: 'checkout the new lunch menu',
        memoryType: 'business_decision',
        scope: 'tenant',
        tenantId: 'acme',
        importance: 0.1,
      }),
    );
    await store.entries.store(
      memoryInput.store({
        key: 'b1',
        title: 'Checkout deploy secrets',
        content: 'Other tenant deploys checkout',
        memoryType: 'knowledge',
        scope: 'tenant',
        tenantId: 'globex',
      }),
    );
    const keys = (hits: MemorySearchHit[]) => hits.map((h) => (h.kind === 'entry' ? h.entry.key : h.message.content));
    assert.deepEqual(
      keys(
        await store.entries.search(
          memoryInput.search({ query: 'checkout deploy', tenantId: 'acme', mode: 'websearch' }),
        ),
      ),
      ['a1'],
      'web-search syntax requires every word',
    );
    const natural = await store.entries.search(
      memoryInput.search({ query: 'how do we deploy the checkout?', tenantId: 'acme' }),
    );
    assert.deepEqual(keys(natural), ['a1', 'a2'], 'any of the words, the entry holding both first');
    const broad = await store.entries.search(memoryInput.search({ query: 'checkout', tenantId: 'acme' }));
    assert.deepEqual(keys(broad), ['a1', 'a2'], 'importance lifts the runbook above the menu');
    assert.ok(
      broad.every((h) => h.kind === 'entry' && h.entry.tenantId === 'acme'),
      'never another tenant',
    );
    assert.deepEqual(
      keys(
        await store.entries.search(
          memoryInput.search({ query: 'checkout', tenantId: 'acme', memoryTypes: ['business_decision'] }),
        ),
      ),
      ['a2'],
    );
    assert.deepEqual(
      keys(await store.entries.search(memoryInput.search({ query: 'checkout', tenantId: 'acme', tags: ['deploy'] }))),
      ['a1'],
    );
    await assert.rejects(async () => store.entries.search(memoryInput.search({ query: '   ' })), /query/);
  });

  it('archives instead of deleting, and archives expired entries', async () => {
    await store.entries.store(memoryInput.store({ key: 'gone', value: { keep: true }, memoryType: 'knowledge' }));
    assert.equal(await store.entries.archive(memoryInput.identity({ key: 'gone' })), true);
    assert.equal(await store.entries.retrieve(memoryInput.identity({ key: 'gone' })), null);
    const { rows } = await store.pool.query("select value, archive_reason from memory_archive where key = 'gone'");
    assert.deepEqual(rows[0], { value: { keep: true }, archive_reason: 'deleted' });
    await store.entries.store(
      memoryInput.store({ key: 'expiring', value: 1, memoryType: 'knowledge', expiresAt: new Date(Date.now() - 1) }),
    );
    assert.ok((await store.entries.archiveExpired()) >= 1);
    const archived = await store.pool.query("select archive_reason from memory_archive where key = 'expiring'");
    assert.equal(archived.rows[0].archive_reason, 'expired');
  });

  it('keeps ephemeral entries in the process only', async () => {
    await store.entries.store(
      memoryInput.store({ key: 'scratch', value: 42, memoryType: 'system_state', layer: 'ephemeral' }),
    );
    assert.equal((await store.entries.retrieve(memoryInput.identity({ key: 'scratch' })))?.value, 42);
    const { rows } = await store.pool.query("select count(*)::int as n from memory_entries where key = 'scratch'");
    assert.equal(rows[0].n, 0);
  });

  it('keeps the read-through cache coherent across processes (LISTEN/NOTIFY)', async () => {
    const other = await openStore(db.url);
    try {
      await store.entries.store(memoryInput.store({ key: 'shared', value: 'v1', memoryType: 'knowledge' }));
      assert.equal((await other.entries.retrieve(memoryInput.identity({ key: 'shared' })))?.value, 'v1');
      assert.equal((await other.entries.retrieve(memoryInput.identity({ key: 'shared' })))?.value, 'v1');
      const stats = await other.entries.stats();
      assert.ok(stats.cache.hits >= 1, 'second read is a cache hit');
      await store.entries.store(memoryInput.store({ key: 'shared', value: 'v2', memoryType: 'knowledge' }));
      await eventually(
        async () =>
          (await other.entries.retrieve(memoryInput.identity({ key: 'shared' })))?.value === 'v2' ? true : undefined,
        5000,
        'invalidation',
      );
      await store.entries.archive(memoryInput.identity({ key: 'shared' }));
      await eventually(
        async () =>
          (await other.entries.retrieve(memoryInput.identity({ key: 'shared' }))) === null ? true : undefined,
        5000,
        'archival seen',
      );
    } finally {
      await other.close();
    }
  });

  it('reports stats per layer, priority and type', async () => {
    const stats = await store.entries.stats({ tenantId: 'acme' });
    assert.equal(stats.entries, 2);
    assert.deepEqual(stats.byType, { knowledge: 1, business_decision: 1 });
    assert.equal(stats.tenants, 1);
  });
});
