/**
 * Two tenants write into every tenant-owned table through the real paths (memory writes, the
 * session workflow, error reports, the work history its activities leave); no read path of one
 * returns anything of the other, and neither does a query without any WHERE run under row-level
 * security. Also: the owners each scope requires and forbids.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ValidationError } from '../src/contracts/errors';
import { sessionWorkflowId } from '../src/contracts/names';
import { storeMemoryInputSchema, memoryIdentitySchema, memoryInput } from '../src/contracts/memory';
import { buildBrief } from '../src/services/brief';
import { CURSOR_START } from '../src/memory/embeddings';
import { TenantScope } from '../src/memory/tenant-scope';
import { aggregateRequests } from '../src/domain/endpoint-aggregation';
import type { MemoryStore } from '../src/memory';
import { eventually, logger, testConfig, testWorker, useTestStack } from './helpers';

const TENANTS = ['acme', 'globex'] as const;
/** Every table with a `tenant_id` column; the test checks this list against the schema. */
const TENANT_TABLES = [
  'endpoint_performance',
  'entry_embeddings',
  'erasure_receipts',
  'error_events',
  'handoffs',
  'memory_archive',
  'memory_entries',
  'memory_entry_versions',
  'message_embeddings',
  'quarantined_messages',
  'session_messages',
  'session_tasks',
  'sessions',
  'work_history',
];

/**
 * Tables with a tenant_id that tenant connections cannot touch at all: API keys are looked up
 * before any tenant is known, and the access log is written by the server for the operator.
 */
const OPERATOR_ONLY_TABLES = ['api_access_log', 'api_keys'];

/** A marker only the other tenant's texts hold. */
const marker = (tenant: string) => `${tenant}-only-zanzibar`;

async function writeEntries(store: MemoryStore, tenant: string): Promise<void> {
  const common = { memoryType: 'knowledge' as const, content: `zanzibar note ${marker(tenant)}` };
  await store.entries.store(memoryInput.store({ key: 'note/tenant', scope: 'tenant', tenantId: tenant, ...common }));
  // Overwritten once: its earlier version is kept (memory_entry_versions), as the tenant's row.
  await store.entries.store(
    memoryInput.store({ key: 'note/tenant', scope: 'tenant', tenantId: tenant, ...common, title: 'second' }),
  );
  await store.entries.store(
    memoryInput.store({ key: 'note/user', scope: 'user', tenantId: tenant, userId: 'u1', ...common }),
  );
  await store.entries.store(
    memoryInput.store({ key: 'note/session', scope: 'session', tenantId: tenant, sessionId: 's1', ...common }),
  );
  await store.entries.store(memoryInput.store({ key: 'note/gone', scope: 'tenant', tenantId: tenant, ...common }));
  assert.equal(await store.entries.archive({ key: 'note/gone', scope: 'tenant', tenantId: tenant }), true);
}

/** Embeds every pending entry and message with a constant vector, as the catch-up would store them. */
async function embedEverything(store: MemoryStore): Promise<void> {
  for (const source of ['entries', 'messages'] as const) {
    const pending = await store.embeddings.pending({ source, model: 'rls-test', cursor: CURSOR_START, limit: 1000 });
    const vector = Buffer.from(new Float32Array([1, 0]).buffer);
    await store.embeddings.save({
      source,
      model: 'rls-test',
      dimensions: 2,
      rows: pending.map((p) => ({ key: p.key, version: p.version, vector })),
      cursor: CURSOR_START,
    });
  }
}

describe('row-level security (real Temporal, real PostgreSQL)', () => {
  const stack = useTestStack();

  it('keeps every table of one tenant out of every read path of the other, even without a WHERE', async () => {
    const { store } = stack;
    const config = testConfig(stack.db.url);
    const client = stack.client(config);
    await store.entries.store(
      memoryInput.store({ key: 'kb/shared', scope: 'global', memoryType: 'knowledge', content: 'zanzibar runbook' }),
    );
    // A legacy row the scope rules no longer accept: a user entry of no tenant is not shared.
    await store.pool.query(
      `insert into memory_entries (key, memory_type, layer, scope, user_id, content)
       values ('legacy/user', 'knowledge', 'long_term', 'user', 'u1', 'zanzibar legacy')`,
    );

    let context: unknown;
    const worker = await testWorker(stack.env, config, store);
    await worker.runUntil(async () => {
      for (const tenant of TENANTS) {
        await writeEntries(store, tenant);
        const ref = { tenantId: tenant, sessionId: 's1' };
        await client.startSession({ ...ref, userId: 'u1', agentId: 'general_assistant' });
        await client.addMessage(ref, { role: 'user', content: `zanzibar says ${marker(tenant)}` });
        await stack.env.client.workflow
          .getHandle(sessionWorkflowId(tenant, 's1'))
          .signal('addMessage', { role: 'user', content: `bad\u0000${marker(tenant)}` });
        await client.addTask(ref, { title: `task ${marker(tenant)}` });
        await client.handoff(ref, { toAgent: 'code_specialist', reason: `handoff ${marker(tenant)}` });
        await eventually(
          async () => {
            const c = await client.sessionContext(ref);
            return c.conversation.persistedThrough >= 1 && c.conversation.quarantined === 1 ? true : undefined;
          },
          15_000,
          `${tenant}'s messages stored`,
        );
        await client.reportError({
          errorType: 'CheckoutError',
          message: `checkout failed ${marker(tenant)}`,
          source: 'shop',
          tenantId: tenant,
        });
        await store.endpointPerformance.add(
          tenant,
          aggregateRequests([
            {
              service: `shop ${marker(tenant)}`,
              route: '/cart',
              method: 'GET',
              startMs: Date.now(),
              durationMs: 12,
              failed: false,
            },
          ]),
        );
      }
      await client.reportError({ errorType: 'SystemError', message: 'system broke zanzibar', source: 'system' });
      context = await client.sessionContext({ tenantId: TENANTS[0], sessionId: 's1' });
      await eventually(
        async () => {
          const rows = await store.workHistory.list({ allTenants: true, limit: 1000 });
          return TENANTS.every((t) => rows.some((r) => r.tenantId === t)) ? true : undefined;
        },
        15_000,
        'work history of both tenants',
      );
    });
    await embedEverything(store);
    // Receipts are written by the erasure (operator work); a tenant reads its own only.
    for (const [i, tenant] of TENANTS.entries())
      await store.erasure.beginReceipt({
        erasureId: `00000000-0000-4000-8000-00000000000${i}`,
        tenantId: tenant,
        userId: `gone-${marker(tenant)}`,
        requestedBy: { name: 'rls test' },
      });

    const schema = await store.pool.query<{ table_name: string }>(
      `select distinct table_name::text from information_schema.columns
       where table_schema = 'public' and column_name = 'tenant_id' order by 1`,
    );
    assert.deepEqual(
      schema.rows.map((r) => r.table_name),
      [...TENANT_TABLES, ...OPERATOR_ONLY_TABLES].sort(),
      'every table with tenant_id is covered',
    );
    for (const table of OPERATOR_ONLY_TABLES) {
      const { rows } = await store.pool.query<{ any: boolean }>(
        `select has_table_privilege('brainops_tenant', $1, 'select, insert, update, delete') as any`,
        [table],
      );
      assert.equal(rows[0]!.any, false, `brainops_tenant has no privilege on ${table}`);
    }
    for (const table of TENANT_TABLES) {
      const { rows } = await store.pool.query<{ tenant: string | null; n: number }>(
        `select tenant_id as tenant, count(*)::int as n from ${table} group by 1`,
      );
      for (const tenant of TENANTS)
        assert.ok(
          rows.some((r) => r.tenant === tenant && r.n > 0),
          `${table} holds rows of ${tenant} (so the checks below could fail)`,
        );
    }

    const [a, b] = TENANTS;
    const reads = {
      search: await store.entries.search(memoryInput.search({ query: 'zanzibar', tenantId: a, limit: 200 })),
      searchWebsearch: await store.entries.search(
        memoryInput.search({ query: 'zanzibar', tenantId: a, mode: 'websearch', limit: 200 }),
      ),
      retrieve: await store.entries.retrieve(
        memoryInput.identity({ key: 'note/tenant', scope: 'tenant', tenantId: a }),
      ),
      list: await store.entries.list(memoryInput.list({ tenantId: a, limit: 1000 })),
      stats: await store.entries.stats({ tenantId: a }),
      sessions: await store.sessions.list({ tenantId: a }),
      messages: await store.sessions.listMessages({ tenantId: a, sessionId: 's1' }),
      quarantined: await store.sessions.listQuarantinedMessages({ tenantId: a, sessionId: 's1' }),
      tasks: await store.sessions.listTasks({ tenantId: a }),
      errors: await store.errorEvents.list({ tenantId: a, limit: 1000 }),
      endpoints: await store.endpointPerformance.stats({ tenantId: a, since: new Date(0), limit: 1000 }),
      endpointMinutes: await store.endpointPerformance.minutes({ tenantId: a, since: new Date(0), limit: 1000 }),
      workHistory: await store.workHistory.list({ tenantId: a, limit: 1000 }),
      brief: await buildBrief(store, a),
      context,
    };
    for (const [path, result] of Object.entries(reads)) {
      const text = JSON.stringify(result);
      assert.ok(!text.includes(marker(b)), `${path} of ${a} returns nothing of ${b}`);
      assert.ok(!text.includes('"tenantId":"globex"'), `${path} of ${a} names no row of ${b}`);
    }
    assert.ok(JSON.stringify(reads.search).includes(marker(a)), 'the search finds the tenant’s own texts');
    assert.ok(
      reads.search.some((h) => h.kind === 'entry' && h.entry.key === 'kb/shared'),
      'and shared global knowledge',
    );
    assert.ok(!JSON.stringify(reads.search).includes('zanzibar legacy'), 'never an untenanted user entry');
    assert.equal(reads.stats.tenants, 1);
    assert.ok(reads.errors.length > 0 && reads.workHistory.length > 0 && reads.messages.length > 0);
    assert.ok(reads.endpoints.length === 1 && reads.endpointMinutes.length === 1, 'the tenant’s own route');

    // The same tables, read with no WHERE at all, as the tenant.
    const scope = new TenantScope({ connectionString: stack.db.url, max: 1 }, logger);
    try {
      await scope.run(a, async (db) => {
        for (const table of TENANT_TABLES) {
          const { rows } = await db.query<{ tenant_id: string | null }>(`select * from ${table}`);
          assert.ok(rows.length > 0, `${table}: ${a} sees its own rows`);
          assert.ok(
            rows.every((r) => r.tenant_id === a || r.tenant_id === null),
            `${table}: an unfiltered query as ${a} returns no row of another tenant`,
          );
        }
        const untenanted = await db.query<{ key: string }>('select key from memory_entries where tenant_id is null');
        assert.deepEqual(
          untenanted.rows.map((r) => r.key),
          ['kb/shared'],
          'of the untenanted entries, only global ones are visible',
        );
        const noTenant = await db.query('select 1 from error_events where tenant_id is null');
        assert.equal(noTenant.rowCount, 0, 'system errors are not visible to a tenant');
        const shared = await db.query(`update memory_entries set title = 'defaced' where key = 'kb/shared'`);
        assert.equal(shared.rowCount, 0, 'global entries are read-only to a tenant');
        const theirs = await db.query(`delete from sessions where tenant_id = $1`, [b]);
        assert.equal(theirs.rowCount, 0, 'another tenant’s rows cannot be deleted');
        await assert.rejects(
          db.query(
            `insert into memory_entries (key, memory_type, scope, tenant_id) values ('x', 'knowledge', 'tenant', $1)`,
            [b],
          ),
          /row-level security/,
          'nor written',
        );
      });
    } finally {
      await scope.end();
    }

    // One connection serving the tenants in turn: switched whenever the tenant changes, and
    // after work that failed, whatever that work did to the connection's setting.
    const one = new TenantScope({ connectionString: stack.db.url, max: 1 }, logger);
    const tenantsSeen = (db: import('pg').PoolClient) =>
      db
        .query<{ tenant_id: string }>('select distinct tenant_id from sessions')
        .then((r) => r.rows.map((row) => row.tenant_id));
    try {
      assert.deepEqual(await one.run(a, tenantsSeen), [a]);
      assert.deepEqual(await one.run(a, tenantsSeen), [a], 'the same tenant again, on the same connection');
      assert.deepEqual(await one.run(b, tenantsSeen), [b], 'another tenant: switched');
      await assert.rejects(
        one.run(b, async (db) => {
          await db.query(`select set_config('brainops.tenant_id', $1, false)`, [a]);
          throw new Error('work failed');
        }),
        /work failed/,
      );
      assert.deepEqual(await one.run(b, tenantsSeen), [b], 'after failed work the tenant is set again');
    } finally {
      await one.end();
    }
    const kept = await store.pool.query<{ title: string | null }>(
      `select title from memory_entries where key = 'kb/shared'`,
    );
    assert.equal(kept.rows[0]?.title, null);
    assert.equal(
      (await store.pool.query('select 1 from sessions where tenant_id = $1', [b])).rowCount,
      1,
      'the operator still sees every tenant',
    );
  });

  it('lists errors and work history of no tenant by default, every tenant’s only when the operator asks', async () => {
    const { store } = stack;
    const untenanted = await store.errorEvents.list({ limit: 1000 });
    assert.ok(untenanted.length > 0 && untenanted.every((e) => e.tenantId === null));
    const all = await store.errorEvents.list({ allTenants: true, limit: 1000 });
    assert.ok(TENANTS.every((t) => all.some((e) => e.tenantId === t)));
    assert.ok((await store.workHistory.list({ limit: 1000 })).every((r) => r.tenantId === null));
    // The edge (the API's operation, as the CLI and the servers call it) refuses what the store would not understand.
    const client = stack.client(testConfig(stack.db.url));
    await assert.rejects(
      client.call(client.api.knowledge.listErrors, { tenantId: 'acme', allTenants: true }),
      (e) => e instanceof ValidationError && /allTenants: not allowed together with tenantId/.test(e.message),
    );
    await assert.rejects(
      client.call(client.api.knowledge.listErrors, { limit: 0 }),
      (e) => e instanceof ValidationError && /limit/.test(e.message),
    );
    await assert.rejects(
      store.sessions.listTasks({ tenantId: 'no spaces allowed' }),
      (e) => e instanceof ValidationError && /tenantId/.test(e.message),
    );
  });
});

describe('owners each scope requires and forbids', () => {
  const base = { key: 'k', memoryType: 'knowledge' as const };
  const issues = (input: unknown) => {
    const result = storeMemoryInputSchema.safeParse(input);
    return result.success ? [] : result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  };

  it('forbids a tenant on global entries', () => {
    assert.deepEqual(issues({ ...base, scope: 'global', tenantId: 'acme' }), [
      'tenantId: not allowed when scope is "global"',
    ]);
    assert.deepEqual(issues({ ...base, tenantId: 'acme' }), ['tenantId: not allowed when scope is "global"']);
    assert.deepEqual(issues({ ...base, scope: 'global' }), []);
  });

  it('requires a tenant as well as the user or session on user and session entries', () => {
    assert.deepEqual(issues({ ...base, scope: 'user', userId: 'u1' }), ['tenantId: required when scope is "user"']);
    assert.deepEqual(issues({ ...base, scope: 'session', sessionId: 's1' }), [
      'tenantId: required when scope is "session"',
    ]);
    assert.deepEqual(issues({ ...base, scope: 'session', tenantId: 'acme' }), [
      'sessionId: required when scope is "session"',
    ]);
    assert.deepEqual(issues({ ...base, scope: 'user', tenantId: 'acme', userId: 'u1' }), []);
    assert.deepEqual(issues({ ...base, scope: 'agent', agentId: 'a1' }), []);
  });

  it('applies the same rules to identities', () => {
    const result = memoryIdentitySchema.safeParse({ key: 'k', scope: 'user', userId: 'u1' });
    assert.equal(result.success, false);
    assert.deepEqual(
      result.error?.issues.map((i) => i.path.join('.')),
      ['tenantId'],
    );
  });
});
