/**
 * Erasure of a data subject against the real stack (Temporal and PostgreSQL): a user's rows are
 * written into every table that can hold them through the API and the store (and, for the tables
 * only the system writes, by SQL), the erasure's worker is killed (SIGKILL) in the middle and a
 * new one finishes; nothing of the user is left, another user's and another tenant's rows are
 * untouched, and the receipt counts what went. A whole-tenant erasure through the API, with its
 * access rules, and the receipt only its tenant's admin (and the operator) reads.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TenantCaller } from '../src/api/caller';
import { ERASURE_TABLES, erasureWorkflowId, type ErasureTable } from '../src/contracts/erasure';
import { ApiKeyStore } from '../src/memory';
import { erasureWorkflow } from '../src/workflows';
import { eventually, testConfig, testWorker, useTestStack, spawnWorkerProcess } from './helpers';

/** How many rows of (tenant, user) each table holds, by the definition docs/forgetting.md gives. */
async function subjectCounts(
  query: (sql: string, params: unknown[]) => Promise<{ rows: { n: number }[] }>,
  tenantId: string,
  userId: string,
): Promise<Record<ErasureTable, number>> {
  const sessions = `(select session_id from sessions where tenant_id = $1 and user_id = $2)`;
  const entries = `tenant_id = $1 and (user_id = $2 or session_id in ${sessions})`;
  const ids = `(select id from memory_entries where ${entries} union all select id from memory_archive where ${entries})`;
  const inSessions = `tenant_id = $1 and session_id in ${sessions}`;
  const where: Record<ErasureTable, string> = {
    entry_embeddings: `entry_id in (select id from memory_entries where ${entries})`,
    memory_entry_versions: `entry_id in ${ids}`,
    memory_layer_changes: `entry_id in ${ids}`,
    memory_entries: entries,
    memory_archive: entries,
    message_embeddings: inSessions,
    session_messages: inSessions,
    session_tasks: inSessions,
    handoffs: inSessions,
    quarantined_messages: inSessions,
    work_history: inSessions,
    error_events: `tenant_id = $1 and (context->>'userId' = $2 or workflow_id in (select workflow_id from sessions where tenant_id = $1 and user_id = $2))`,
    sessions: 'tenant_id = $1 and user_id = $2',
    api_access_log: 'false and $1::text is not null',
    endpoint_performance: 'false and $1::text is not null',
  };
  const counts = {} as Record<ErasureTable, number>;
  for (const table of ERASURE_TABLES)
    counts[table] = (
      await query(`select count(*)::int as n from ${table} where ${where[table]} and $2::text is not null`, [
        tenantId,
        userId,
      ])
    ).rows[0]!.n;
  return counts;
}

describe('erasure (real Temporal and PostgreSQL)', () => {
  const stack = useTestStack();
  const query = (sql: string, params: unknown[]) => stack.store.pool.query<{ n: number }>(sql, params);

  /** A user's rows in every table: entries (with versions, an archived one, embeddings, layer history) and a session. */
  async function seed(api: ReturnType<typeof stack.client>['api'], tenantId: string, userId: string, entries: number) {
    const writer: TenantCaller = { keyId: 'seed', tenantId, role: 'writer' };
    const sessionId = `s-${userId}`;
    for (const version of [1, 2])
      await Promise.all(
        Array.from({ length: entries }, (_, i) =>
          api.memory.store.call(writer, {
            key: `pref/${i}`,
            scope: 'user',
            userId,
            value: { version },
            content: `preference ${i} of ${userId}`,
          }),
        ),
      );
    await api.memory.store.call(writer, { key: 'old', scope: 'user', userId, value: 'archived', content: 'old' });
    await stack.store.entries.archive({ key: 'old', scope: 'user', tenantId, userId, reason: 'test' });
    await api.sessions.start.call(writer, { sessionId, userId, agentId: 'general_assistant' });
    for (const content of ['hello', 'my address is 1 Main St'])
      await api.sessions.message.call(writer, { sessionId, role: 'user', content });
    await api.sessions.addTask.call(writer, { sessionId, taskId: 't1', title: 'Call back' });
    await api.sessions.handoff.call(writer, { sessionId, toAgent: 'billing', handoffReason: 'invoice question' });
    await api.memory.store.call(writer, { key: 'note', scope: 'session', sessionId, content: 'said in the session' });
    await api.sessions.end.call(writer, { sessionId });
    // What only the system writes: embeddings, layer history, quarantine, work history, errors, access log.
    await query(
      `insert into entry_embeddings (model, entry_id, tenant_id, source_version, dimensions, vector)
       select 'test', id, tenant_id, sync_version, 1, '\\x0000803f'::bytea from memory_entries
       where tenant_id = $1 and (user_id = $2 or session_id = $3)`,
      [tenantId, userId, sessionId],
    );
    await query(
      `insert into memory_layer_changes (window_key, entry_id, key, from_layer, to_layer, reason)
       select 'w1', id, key, 'short_term', 'long_term', 'test' from memory_entries where tenant_id = $1 and user_id = $2`,
      [tenantId, userId],
    );
    await query(
      `insert into message_embeddings (model, tenant_id, session_id, seq, dimensions, vector)
       select 'test', tenant_id, session_id, seq, 1, '\\x0000803f'::bytea from session_messages
       where tenant_id = $1 and session_id = $2`,
      [tenantId, sessionId],
    );
    await query(
      `insert into quarantined_messages (tenant_id, session_id, quarantine_key, payload, reason, source)
       values ($1, $2, 'q1', '{"content": "bad"}', 'test', 'validation')`,
      [tenantId, sessionId],
    );
    await query(
      `insert into work_history (agent_id, action, success, duration_ms, workflow_id, run_id, activity_id, attempt,
         tenant_id, session_id, started_at, finished_at)
       values ('ContextKeeper', 'test', true, 1, $3, 'r', 'a-' || $2, 1, $1, $2, now(), now())`,
      [tenantId, sessionId, `session/${tenantId}/${sessionId}`],
    );
    await query(
      `insert into error_events (signature, error_type, message, context, source, tenant_id)
       values ('sig', 'Error', 'failed for a user', jsonb_build_object('userId', $2::text), 'test', $1)`,
      [tenantId, userId],
    );
    await query(
      `insert into api_access_log (at, key_id, tenant_id, operation, status, latency_ms) values (now(), 'k', $1, 'memory.store', 200, 1)`,
      [tenantId],
    );
    await query(
      `insert into endpoint_performance (tenant_id, service, route, method, minute, requests, errors, sum_ms, max_ms, buckets)
       values ($1, 'shop', '/cart', 'GET', date_trunc('minute', now()), 1, 0, 5, 5, '{1}') on conflict do nothing`,
      [tenantId],
    );
  }

  it('erases a user in resumable batches, a worker killed mid-way, and leaves a receipt that counts every row', async () => {
    const config = testConfig(stack.db.url);
    const client = stack.client(config);
    const worker = await testWorker(stack.env, config, stack.store);
    await worker.runUntil(async () => {
      await seed(client.api, 'acme', 'u1', 60);
      await seed(client.api, 'acme', 'u2', 3);
      await seed(client.api, 'globex', 'u1', 3);
    });
    const before = await subjectCounts(query, 'acme', 'u1');
    for (const table of ERASURE_TABLES.filter((t) => t !== 'api_access_log' && t !== 'endpoint_performance'))
      assert.ok(before[table] > 0, `the user has rows in ${table}`);
    const others = [await subjectCounts(query, 'acme', 'u2'), await subjectCounts(query, 'globex', 'u1')];
    const accessLog = (await query('select count(*)::int as n from api_access_log', [])).rows[0]!.n;

    // The worker of the erasure runs in a process of its own, killed once the first batches went.
    const { child, exited } = spawnWorkerProcess(stack, config);
    const erasureId = '00000000-0000-4000-8000-000000000001';
    await stack.store.erasure.beginReceipt({
      erasureId,
      tenantId: 'acme',
      userId: 'u1',
      requestedBy: { name: 'erasure test' },
    });
    const handle = await stack.env.client.workflow.start(erasureWorkflow, {
      taskQueue: config.temporal.taskQueue,
      workflowId: erasureWorkflowId(erasureId),
      args: [{ erasureId, batchSize: 2 }],
    });
    try {
      await eventually(
        async () => {
          const receipt = await stack.store.erasure.receipt(erasureId);
          return (receipt?.counts.memory_entry_versions ?? 0) >= 4 ? true : undefined;
        },
        60_000,
        'the first batches deleted',
      );
    } finally {
      child.kill('SIGKILL');
      await exited;
    }
    const atKill = await stack.store.erasure.receipt(erasureId);
    assert.equal(atKill?.status, 'running', 'killed mid-way');
    assert.ok((await subjectCounts(query, 'acme', 'u1')).memory_entries > 0, 'entries still left when killed');

    const resumed = await testWorker(stack.env, config, stack.store);
    const receipt = await resumed.runUntil(handle.result());
    assert.equal(receipt.status, 'finished');
    assert.ok(receipt.finishedAt);
    assert.deepEqual(
      Object.values(await subjectCounts(query, 'acme', 'u1')).filter((n) => n > 0),
      [],
      'nothing of the user is left',
    );
    const expected = Object.fromEntries(Object.entries(before).filter(([, n]) => n > 0));
    const counted = Object.fromEntries(Object.entries(receipt.counts).filter(([, n]) => n > 0));
    assert.deepEqual(counted, expected, 'the receipt counts every row that went, once');
    assert.deepEqual(
      [await subjectCounts(query, 'acme', 'u2'), await subjectCounts(query, 'globex', 'u1')],
      others,
      'another user’s and another tenant’s rows are intact',
    );
    assert.equal((await query('select count(*)::int as n from api_access_log', [])).rows[0]!.n, accessLog);
    const stored = await stack.store.erasure.receipt(erasureId);
    assert.deepEqual(stored?.requestedBy, { keyId: null, prefix: null, name: 'erasure test' });
    assert.equal(JSON.stringify(stored).includes('1 Main St'), false, 'the receipt holds no erased data');
  });

  it('erases a whole tenant through the API: its admin or the operator; the receipt is that tenant’s to read', async () => {
    const config = testConfig(stack.db.url);
    const client = stack.client(config);
    const api = client.api;
    const keys = new ApiKeyStore(stack.store.pool);
    const created = await keys.create({ tenantId: 'initech', role: 'admin', name: 'privacy officer' });
    const admin: TenantCaller = { keyId: created.record.id, tenantId: 'initech', role: 'admin' };
    const writer: TenantCaller = { keyId: 'w', tenantId: 'initech', role: 'writer' };
    const otherAdmin: TenantCaller = { keyId: 'o', tenantId: 'acme', role: 'admin' };
    const worker = await testWorker(stack.env, config, stack.store);
    await worker.runUntil(async () => {
      await seed(api, 'initech', 'u7', 3);
      const acmeBefore = (await query(`select count(*)::int as n from memory_entries where tenant_id = 'acme'`, []))
        .rows[0]!.n;

      await assert.rejects(api.erasure.start.call(writer, { wholeTenant: true }), /role admin/);
      await assert.rejects(
        api.erasure.start.call(admin, { tenantId: 'acme', wholeTenant: true }),
        /tenant initech only/,
      );
      await assert.rejects(api.erasure.start.call(admin, {}), /user_id|userId/);
      await assert.rejects(api.erasure.start.call(admin, { userId: 'u7', wholeTenant: true }), /not both/);

      const started = await api.erasure.start.call(admin, { wholeTenant: true });
      assert.equal(started.status, 'running');
      const receipt = await eventually(async () => {
        const r = await api.erasure.status.call(admin, { erasureId: started.erasureId });
        return r.status === 'finished' ? r : undefined;
      }, 60_000);
      assert.equal(receipt.subject, 'tenant');
      assert.equal(receipt.userId, null);
      assert.deepEqual(receipt.requestedBy, {
        keyId: created.record.id,
        prefix: created.record.prefix,
        name: 'privacy officer',
      });
      assert.ok((receipt.counts.api_access_log ?? 0) >= 1);
      assert.equal(receipt.counts.endpoint_performance, 1, 'the tenant’s endpoint performance');
      assert.ok((receipt.counts.sessions ?? 0) >= 1);
      for (const table of ERASURE_TABLES.filter((t) => !['entry_embeddings', 'memory_layer_changes'].includes(t)))
        assert.equal(
          (await query(`select count(*)::int as n from ${table} where tenant_id = $1`, ['initech'])).rows[0]!.n,
          0,
          `nothing of the tenant in ${table}`,
        );
      assert.equal(
        (await query(`select count(*)::int as n from memory_entries where tenant_id = 'acme'`, [])).rows[0]!.n,
        acmeBefore,
      );
      await assert.rejects(api.erasure.status.call(otherAdmin, { erasureId: started.erasureId }), /no erasure/);
      assert.equal((await client.call(api.erasure.status, { erasureId: started.erasureId })).status, 'finished');
    });
  });
});
