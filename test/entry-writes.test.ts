/**
 * Group commit of memory entries: concurrent stores share statements, and each still gets its own
 * answer — its entry, a stale-write error, or PostgreSQL's refusal of its row alone.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Pool } from 'pg';
import { MemoryStore } from '../src/memory';
import { EntryWriteQueue } from '../src/memory/entry-writes';
import { storeMemoryInputSchema, memoryInput } from '../src/contracts/memory';
import { StaleWriteError } from '../src/contracts/errors';
import { createTestDatabase, openStore } from './helpers';

describe('memory entry writes share statements (real PostgreSQL)', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let store: MemoryStore;
  let pool: Pool;

  before(async () => {
    db = await createTestDatabase();
    store = await openStore(db.url);
    pool = new Pool({ connectionString: db.url, max: 4 });
  });
  after(async () => {
    await pool.end();
    await store.close();
    await db.drop();
  });

  /** A queue on the owner's pool that counts the statements it sends. */
  function countingQueue(): { queue: EntryWriteQueue; statements: () => number } {
    let statements = 0;
    const queue = new EntryWriteQueue(async (_tenant, work) => {
      const client = await pool.connect();
      try {
        await work({
          query: (...args: Parameters<typeof client.query>) => {
            statements++;
            return client.query(...args);
          },
        } as never);
      } finally {
        client.release();
      }
    });
    return { queue, statements: () => statements };
  }

  const input = (fields: Record<string, unknown>) =>
    storeMemoryInputSchema.parse({ memoryType: 'knowledge', scope: 'tenant', tenantId: 'acme', value: {}, ...fields });

  it('writes 120 concurrent stores of two tenants in far fewer statements, each answered with its own entry', async () => {
    const many = Array.from({ length: 120 }, (_, i) => ({
      key: `burst/${i}`,
      tenantId: i % 2 === 0 ? 'acme' : 'globex',
      value: { i },
      title: `entry ${i}`,
      tags: [`t${i % 3}`, 'burst'],
    }));
    const started = Date.now();
    const stored = await Promise.all(
      many.map((e) => store.entries.store(memoryInput.store({ memoryType: 'knowledge', scope: 'tenant', ...e }))),
    );
    assert.ok(Date.now() - started < 30_000);
    stored.forEach((entry, i) => {
      assert.equal(entry.key, many[i]!.key);
      assert.equal(entry.tenantId, many[i]!.tenantId);
      assert.deepEqual(entry.value, { i });
      assert.deepEqual(entry.tags, many[i]!.tags);
      assert.equal(entry.syncVersion, 1);
    });
    const rows = await pool.query<{ n: number }>(
      `select count(*)::int as n from memory_entries where key like 'burst/%' and search_vector @@ to_tsquery('simple', 'burst')`,
    );
    assert.equal(rows.rows[0]!.n, 120, 'every row stored, and searchable');

    const { queue, statements } = countingQueue();
    await Promise.all(
      Array.from({ length: 60 }, (_, i) => queue.write(input({ key: `counted/${i}`, value: { i } }), null)),
    );
    assert.ok(statements() < 30, `60 writes took ${statements()} statements`);
  });

  it('writes concurrent writes of one identity once each, in the order queued, and repeats of a write id not at all', async () => {
    const { queue } = countingQueue();
    const same = await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        queue.write(input({ key: 'same', value: { i }, metadata: { [`m${i}`]: i } }), null),
      ),
    );
    assert.deepEqual(same.map((e) => e.syncVersion).sort(), [1, 2, 3, 4, 5], 'five writes, five versions');
    const stored = await store.entries.retrieve(
      memoryInput.identity({ key: 'same', scope: 'tenant', tenantId: 'acme' }),
    );
    assert.equal(stored?.syncVersion, 5);
    assert.deepEqual(
      same.map((e) => e.syncVersion),
      [1, 2, 3, 4, 5],
      'each write is the version after the write queued before it',
    );
    assert.deepEqual(stored?.value, { i: 4 }, 'the last write queued is the value kept');
    assert.deepEqual(Object.keys(stored!.metadata).sort(), ['m0', 'm1', 'm2', 'm3', 'm4'], 'metadata of all merged');

    const retried = await Promise.all([
      queue.write(input({ key: 'retried', value: { v: 1 }, writeId: 'w1' }), null),
      queue.write(input({ key: 'other', value: {} }), null),
    ]);
    const again = await Promise.all([
      queue.write(input({ key: 'retried', value: { v: 1 }, writeId: 'w1' }), null),
      queue.write(input({ key: 'other2', value: {} }), null),
    ]);
    assert.equal(retried[0].syncVersion, 1);
    assert.equal(again[0].syncVersion, 1, 'the repeated write changed nothing');
    assert.equal(again[0].id, retried[0].id);
  });

  it('fails only the write whose row PostgreSQL refuses, and a stale write only itself', async () => {
    const { queue } = countingQueue();
    // The schema refuses a NUL; this goes around it to see PostgreSQL refuse the row itself.
    const refused = { ...input({ key: 'refused', value: {} }), content: 'bad\u0000' };
    const results = await Promise.allSettled([
      queue.write(input({ key: 'fine/1', value: { ok: 1 } }), null),
      queue.write(refused, null),
      queue.write(input({ key: 'fine/2', value: { ok: 2 } }), null),
    ]);
    assert.equal(results[0].status, 'fulfilled');
    assert.equal(results[2].status, 'fulfilled');
    assert.equal(results[1].status, 'rejected');
    assert.match(String((results[1] as PromiseRejectedResult).reason?.code), /22021|22P05/);
    const keys = await pool.query<{ key: string }>(
      `select key from memory_entries where key in ('fine/1', 'fine/2', 'refused') order by key`,
    );
    assert.deepEqual(
      keys.rows.map((r) => r.key),
      ['fine/1', 'fine/2'],
    );

    await store.entries.store(
      memoryInput.store({
        key: 'versioned',
        memoryType: 'knowledge',
        scope: 'tenant',
        tenantId: 'acme',
        value: { v: 1 },
      }),
    );
    const mixed = await Promise.allSettled([
      store.entries.store(
        memoryInput.store({
          key: 'versioned',
          memoryType: 'knowledge',
          scope: 'tenant',
          tenantId: 'acme',
          value: { v: 2 },
          expectedVersion: 7,
        }),
      ),
      store.entries.store(
        memoryInput.store({ key: 'beside/1', memoryType: 'knowledge', scope: 'tenant', tenantId: 'acme', value: {} }),
      ),
      store.entries.store(
        memoryInput.store({ key: 'beside/2', memoryType: 'knowledge', scope: 'tenant', tenantId: 'acme', value: {} }),
      ),
    ]);
    assert.ok(mixed[0].status === 'rejected' && mixed[0].reason instanceof StaleWriteError);
    assert.equal(mixed[1].status, 'fulfilled');
    assert.equal(mixed[2].status, 'fulfilled');
    assert.deepEqual(
      (await store.entries.retrieve(memoryInput.identity({ key: 'versioned', scope: 'tenant', tenantId: 'acme' })))
        ?.value,
      { v: 1 },
    );
  });

  it('keeps the order of writes made one after another', async () => {
    for (let v = 1; v <= 5; v++)
      await store.entries.store(
        memoryInput.store({ key: 'ordered', memoryType: 'knowledge', scope: 'tenant', tenantId: 'acme', value: { v } }),
      );
    const entry = await store.entries.retrieve(
      memoryInput.identity({ key: 'ordered', scope: 'tenant', tenantId: 'acme' }),
    );
    assert.deepEqual(entry?.value, { v: 5 });
    assert.equal(entry?.syncVersion, 5);
  });
});
