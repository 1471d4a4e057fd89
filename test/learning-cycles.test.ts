import { memoryInput } from '../src/contracts/memory';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { rankByPerformance } from '../src/domain/agent-ranking';
import { cycleWindow } from '../src/domain/cycle-windows';
import { SCHEDULE_IDS } from '../src/contracts/names';
import { ValidationError } from '../src/contracts/errors';
import { ApiKeyStore } from '../src/memory';
import { eventually, testConfig, testWorker, useTestStack } from './helpers';

const MIN = 60_000;

describe('learning cycles (real Temporal, real PostgreSQL)', () => {
  const stack = useTestStack();
  const q = (sql: string, params: unknown[] = []) => stack.store.pool.query(sql, params);

  /** Work history rows of one agent capability, finished inside [from, from + spanMs). */
  async function seedWork(agent: string, action: string, from: Date, ok: number, failed: number, ms = 40) {
    await q(
      `insert into work_history (agent_id, action, success, duration_ms, workflow_id, run_id, activity_id, attempt, started_at, finished_at)
       select $1, $2, g <= $3::int, $6::int + g, 'seed/' || $1 || '/' || $2 || '/' || $4::text, 'r', g::text, 1, $4::timestamptz + g * interval '1 second', $4::timestamptz + g * interval '1 second'
       from generate_series(1, $3::int + $5::int) g`,
      [agent, action, ok, from.toISOString(), failed, ms],
    );
  }

  async function seedErrors(signature: string, target: string, at: Date, count: number, spacingMs = 1000) {
    await q(
      `insert into error_events (signature, error_type, message, context, source, occurred_at)
       select $1, 'HealthCheckFailed', 'http check of ' || $2 || ' failed: HTTP 503', jsonb_build_object('target', $2), 'SystemMonitor',
         $3::timestamptz + g * make_interval(secs => $5::float8 / 1000)
       from generate_series(0, $4::int - 1) g`,
      [signature, target, at.toISOString(), count, spacingMs],
    );
  }

  const snapshot = async (prefix: string) =>
    (
      await q(
        `select key, value, title, content, metadata, sync_version, updated_at, expires_at from memory_entries where starts_with(key, $1) order by key`,
        [prefix],
      )
    ).rows;

  it('five-minute cycle: agent performance and rising error patterns; the same window twice gives identical insights', async () => {
    const config = testConfig(stack.db.url);
    const client = stack.client(config);
    const window = cycleWindow('five-minute', Date.now() - 3 * 3_600_000);
    const start = new Date(window.start);
    await seedWork('SystemMonitor', 'checkHealthTarget', start, 6, 4);
    await seedWork('ContextKeeper', 'persistSessionMessages', start, 20, 0, 5);
    await seedWork('SystemMonitor', 'checkHealthTarget', new Date(start.getTime() - 10 * MIN), 9, 1); // an earlier window
    await seedErrors(
      'HealthCheckFailed: http check of <url> failed: HTTP 503',
      'web',
      new Date(start.getTime() + 1000),
      7,
    );
    await seedErrors('SomethingElse: once', 'db', new Date(start.getTime() + 2000), 1);

    const worker = await testWorker(stack.env, config, stack.store);
    await worker.runUntil(async () => {
      const first = await client.runLearningCycle({ cycle: 'five-minute', windowEnd: window.end });
      assert.equal(first.cycle, 'five-minute');
      const r = first.cycle === 'five-minute' ? first.result : assert.fail();
      assert.deepEqual(r.window, window);
      assert.equal(r.runs, 30, "only the window's work history");
      assert.equal(r.errorEvents, 8);
      assert.deepEqual(r.risingPatterns, [
        { signature: 'HealthCheckFailed: http check of <url> failed: HTTP 503', count: 7, previousHour: 0 },
      ]);
      assert.deepEqual(r.lowSuccess, [
        { agentId: 'SystemMonitor', capability: 'checkHealthTarget', runs: 10, successRate: 0.6 },
      ]);
      assert.deepEqual(r.agentsRecorded, ['ContextKeeper', 'SystemMonitor']);
      const perf = await q(
        `select agent_id, capability, runs, successes from agent_performance where window_start = $1 order by 1`,
        [window.start],
      );
      assert.deepEqual(perf.rows, [
        { agent_id: 'ContextKeeper', capability: 'persistSessionMessages', runs: 20, successes: 20 },
        { agent_id: 'SystemMonitor', capability: 'checkHealthTarget', runs: 10, successes: 6 },
      ]);
      const record = await stack.store.entries.retrieve(
        memoryInput.identity({ key: 'performance/agent/SystemMonitor' }),
      );
      assert.equal(record?.memoryType, 'performance_metric');
      assert.deepEqual(
        (record?.value as { runs: number; successes: number }).runs,
        20,
        'the record covers the 24 hours to the window end',
      );

      const insightsBefore = await snapshot('insight/');
      const recordsBefore = await snapshot('performance/');
      const perfBefore = (await q('select * from agent_performance order by agent_id, capability, window_start')).rows;
      const second = await client.runLearningCycle({ cycle: 'five-minute', windowEnd: window.end });
      assert.deepEqual(second, first, 'the same result');
      assert.deepEqual(
        await snapshot('insight/'),
        insightsBefore,
        'identical insights: nothing rewritten, nothing added',
      );
      assert.deepEqual(await snapshot('performance/'), recordsBefore);
      assert.deepEqual(
        (await q('select * from agent_performance order by agent_id, capability, window_start')).rows,
        perfBefore,
        'no double counting',
      );
      const runs = await q(
        `select count(*)::int as n from learning_cycle_runs where cycle = 'five-minute' and window_start = $1`,
        [window.start],
      );
      assert.equal(runs.rows[0].n, 1);

      const pattern = (await stack.store.insights.list({ kinds: ['error-pattern'] }))[0];
      assert.match(pattern?.title ?? '', /Rising error: HealthCheckFailed ×7 in 5 min/);
      assert.equal(pattern?.actionable, true);
    });
  });

  it('hourly cycle: "X has failed N times since HH:MM, no known fix", actionable; a known working fix is not', async () => {
    const config = testConfig(stack.db.url);
    const client = stack.client(config);
    const window = cycleWindow('hourly', Date.now() - 5 * 3_600_000);
    const firstAt = new Date(new Date(window.start).getTime() + 10 * MIN);
    await seedErrors('HealthCheckFailed: tcp check of <host> failed: ECONNREFUSED', 'redis', firstAt, 12, 60_000);
    await seedErrors('HealthCheckFailed: http check of <url> failed: HTTP 502', 'api', firstAt, 4, 60_000);
    const fix = await stack.store.knowledge.upsertSolution({
      problemSignature: 'HealthCheckFailed: http check of <url> failed: HTTP 502',
      description: 'restart',
      action: 'restart-api',
      params: {},
      source: 'human',
      successCount: 9,
    });
    const worker = await testWorker(stack.env, config, stack.store);
    await worker.runUntil(async () => {
      const first = await client.runLearningCycle({ cycle: 'hourly', windowEnd: window.end });
      const r = first.cycle === 'hourly' ? first.result : assert.fail();
      const hhmm = firstAt.toISOString().slice(11, 16);
      const redis = await stack.store.insights.list({
        keyPrefix: 'insight/recommendation/failing/',
        kinds: ['failing-check'],
      });
      const byTitle = Object.fromEntries(redis.map((i) => [i.subject, i]));
      assert.equal(byTitle.redis?.title, `"redis" has failed 12 times since ${hhmm} UTC, no known fix`);
      assert.equal(byTitle.redis?.actionable, true);
      assert.equal(byTitle.redis?.severity, 'high');
      assert.match(
        byTitle.api?.title ?? '',
        /"api" has failed 4 times since .* known fix "restart-api" works 100% of the time/,
      );
      assert.equal(byTitle.api?.actionable, false);
      assert.equal(r.actionable, 1);
      assert.equal(fix.successCount, 9);
      const before = await snapshot('insight/recommendation/');
      const second = await client.runLearningCycle({ cycle: 'hourly', windowEnd: window.end });
      assert.deepEqual(second, first);
      assert.deepEqual(await snapshot('insight/recommendation/'), before, 'identical insights');
    });
  });

  it('hourly cycle judges the hour against the day from work history, whether or not the five-minute windows ran', async () => {
    const config = testConfig(stack.db.url);
    const client = stack.client(config);
    const window = cycleWindow('hourly', Date.now() - 40 * 3_600_000);
    const start = new Date(window.start);
    await seedWork('Deployer', 'runBuildStep', new Date(start.getTime() - 20 * 3_600_000), 40, 0);
    await seedWork('Deployer', 'runBuildStep', new Date(start.getTime() + 50 * MIN), 4, 6);
    const worker = await testWorker(stack.env, config, stack.store);
    await worker.runUntil(async () => {
      // No five-minute cycle ran for these windows (missed beyond its catch-up, or still running at the hour).
      const first = await client.runLearningCycle({ cycle: 'hourly', windowEnd: window.end });
      const r = first.cycle === 'hourly' ? first.result : assert.fail();
      assert.deepEqual(r.degraded, [{ agentId: 'Deployer', capability: 'runBuildStep', hourRate: 0.4, dayRate: 0.88 }]);
      await client.runLearningCycle({
        cycle: 'five-minute',
        windowEnd: new Date(start.getTime() + 55 * MIN).toISOString(),
      });
      const again = await client.runLearningCycle({ cycle: 'hourly', windowEnd: window.end });
      assert.deepEqual(again, first, 'the same result once the five-minute window has run');
    });
  });

  it('daily cycle archives exactly the expired and ended-session entries, merges duplicates, promotes, and reports the same counts when re-run', async () => {
    const config = testConfig(stack.db.url);
    const client = stack.client(config);
    const window = cycleWindow('daily', Date.now());
    const end = new Date(window.end).getTime();
    const expired: string[] = [];
    const unexpired: string[] = [];
    for (let i = 0; i < 6; i++) {
      const e = await stack.store.entries.store(
        memoryInput.store({
          key: `daily/expired/${i}`,
          value: { i },
          memoryType: 'system_state',
          expiresAt: new Date(end - (i + 1) * MIN),
        }),
      );
      expired.push(e.id);
    }
    for (let i = 0; i < 4; i++) {
      // Expires after the window's end (maybe already before now): not this window's to archive.
      const e = await stack.store.entries.store(
        memoryInput.store({
          key: `daily/later/${i}`,
          value: { i },
          memoryType: 'system_state',
          expiresAt: new Date(end + (i + 1) * MIN),
        }),
      );
      unexpired.push(e.id);
    }
    unexpired.push(
      (
        await stack.store.entries.store(
          memoryInput.store({ key: 'daily/permanent', value: 1, memoryType: 'knowledge', layer: 'permanent' }),
        )
      ).id,
    );
    await stack.store.sessions.open({ tenantId: 't1', sessionId: 's-ended', workflowId: 'session/t1/s-ended' });
    const sessionEntries: string[] = [];
    for (let i = 0; i < 2; i++)
      sessionEntries.push(
        (
          await stack.store.entries.store(
            memoryInput.store({
              key: `daily/session/${i}`,
              value: i,
              memoryType: 'task',
              layer: 'session',
              scope: 'session',
              tenantId: 't1',
              sessionId: 's-ended',
            }),
          )
        ).id,
      );
    await q(`update sessions set status = 'ended', ended_at = $1 where session_id = 's-ended'`, [
      new Date(end - 3_600_000),
    ]);
    const dupIds: string[] = [];
    for (let i = 0; i < 3; i++)
      dupIds.push(
        (
          await stack.store.entries.store(
            memoryInput.store({
              key: `daily/dup/${i}`,
              value: { same: true },
              title: 'same',
              content: 'same text',
              memoryType: 'knowledge',
              tags: [`t${i}`],
            }),
          )
        ).id,
      );
    await q(`update memory_entries set created_at = created_at - make_interval(secs => $2) where id = $1`, [
      dupIds[0],
      10,
    ]);
    const hot = await stack.store.entries.store(
      memoryInput.store({ key: 'daily/hot', value: 'often read', memoryType: 'knowledge' }),
    );
    await q(`update memory_entries set access_count = 25 where id = $1`, [hot.id]);

    const worker = await testWorker(stack.env, config, stack.store);
    await worker.runUntil(async () => {
      const first = await client.runLearningCycle({ cycle: 'daily', windowEnd: window.end });
      const r = first.cycle === 'daily' ? first.result : assert.fail();
      assert.equal(r.archivedExpired, 6);
      assert.equal(r.archivedSessionEnded, 2);
      assert.equal(r.mergedDuplicates, 2);
      assert.ok(r.promoted >= 1);
      assert.ok(r.statisticsRefreshed.includes('memory_entries'));

      const archived = await q(
        `select id::text, archive_reason from memory_archive where archived_by = $1 order by id`,
        [window.key],
      );
      const byReason = (reason: string) =>
        archived.rows
          .filter((a: { archive_reason: string }) => a.archive_reason === reason)
          .map((a: { id: string }) => a.id)
          .sort();
      assert.deepEqual(byReason('expired'), [...expired].sort(), 'exactly the entries expired by the window end');
      assert.deepEqual(byReason('session ended'), [...sessionEntries].sort());
      assert.deepEqual(byReason(`duplicate of ${dupIds[0]}`), [dupIds[1], dupIds[2]].sort());
      const live = await q(`select id::text from memory_entries where id = any($1::uuid[])`, [unexpired]);
      assert.equal(live.rowCount, unexpired.length, 'nothing unexpired was moved');
      assert.equal(
        (await q(`select count(*)::int as n from memory_entries where id = any($1::uuid[])`, [expired])).rows[0].n,
        0,
      );
      const survivor = (await q(`select tags, metadata from memory_entries where id = $1`, [dupIds[0]])).rows[0];
      assert.deepEqual(survivor.metadata.mergedKeys, ['daily/dup/1', 'daily/dup/2']);
      assert.deepEqual([...survivor.tags].sort(), ['t0', 't1', 't2'], "the survivor keeps the others' tags");
      assert.equal(
        (await stack.store.entries.retrieve(memoryInput.identity({ key: 'daily/hot' })))?.layer,
        'long_term',
      );
      const report = await stack.store.entries.retrieve(
        memoryInput.identity({ key: `report/memory-optimisation/${window.start.slice(0, 10)}` }),
      );
      assert.equal(report?.memoryType, 'optimization');

      const second = await client.runLearningCycle({ cycle: 'daily', windowEnd: window.end });
      assert.deepEqual(second, first, 'the same report when the window runs again');
      assert.equal(
        (await q(`select count(*)::int as n from memory_archive where archived_by = $1`, [window.key])).rows[0].n,
        10,
      );
    });
  });

  it('daily cycle deletes access-log rows older than BRAINOPS_API_ACCESS_LOG_DAYS before the window end, in batches; 0 keeps them', async () => {
    const window = cycleWindow('daily', Date.now());
    const end = new Date(window.end).getTime();
    const cutoff = end - 7 * 86_400_000;
    const keyId = 'alog-retention';
    // More old rows than one batch (5,000), so the activity needs several and a last empty one.
    await q(
      `insert into api_access_log (at, key_id, tenant_id, operation, status, latency_ms, cache_hit)
       select $1::timestamptz - g * interval '1 minute', $2, 't1', 'memory.retrieve', 200, 1.5, false
       from generate_series(1, 6000) g`,
      [new Date(cutoff - 1), keyId],
    );
    const keys = new ApiKeyStore(stack.store.pool);
    const row = (at: number) => ({
      at: new Date(at),
      keyId,
      tenantId: 't1',
      operation: 'memory.store',
      status: 201,
      latencyMs: 2,
      cacheHit: null,
    });
    // Kept: exactly at the cutoff (only rows strictly older go), just after it, and recent.
    await keys.recordAccesses([row(cutoff), row(cutoff + MIN), row(end - MIN), row(Date.now())]);
    const ages = async () =>
      (
        await q(
          `select count(*) filter (where at < $2)::int as old, count(*) filter (where at >= $2)::int as kept
           from api_access_log where key_id = $1`,
          [keyId, new Date(cutoff)],
        )
      ).rows[0];
    assert.deepEqual(await ages(), { old: 6000, kept: 4 });

    const keepForever = testConfig(stack.db.url);
    keepForever.api = { ...keepForever.api, accessLogDays: 0 };
    await (
      await testWorker(stack.env, keepForever, stack.store)
    ).runUntil(stack.client(keepForever).runLearningCycle({ cycle: 'daily', windowEnd: window.end }));
    assert.deepEqual(await ages(), { old: 6000, kept: 4 }, '0 keeps every row');

    const week = testConfig(stack.db.url);
    week.api = { ...week.api, accessLogDays: 7 };
    await (
      await testWorker(stack.env, week, stack.store)
    ).runUntil(stack.client(week).runLearningCycle({ cycle: 'daily', windowEnd: window.end }));
    assert.deepEqual(await ages(), { old: 0, kept: 4 }, 'every older row deleted, the others kept');

    // One call deletes at most `limit` rows, oldest first, and the loop ends at 0.
    await q(`update api_access_log set at = at - interval '30 days' where key_id = $1`, [keyId]);
    const batches: number[] = [];
    for (let n; (n = await keys.pruneAccesses({ before: new Date(cutoff), limit: 3 })) > 0;) batches.push(n);
    assert.deepEqual(batches, [3, 1]);
    assert.deepEqual(await ages(), { old: 0, kept: 0 });
  });

  it('a back-filled schedule runs each window it was scheduled for', async () => {
    const config = testConfig(stack.db.url);
    const client = stack.client(config);
    await client.applySchedules();
    const handle = stack.env.client.schedule.getHandle(SCHEDULE_IDS.learningFiveMinute);
    await handle.pause('test: back-fill only');
    const last = cycleWindow('five-minute', Date.now() - 24 * 3_600_000);
    const from = new Date(new Date(last.end).getTime() - 15 * MIN);
    const worker = await testWorker(stack.env, config, stack.store);
    await worker.runUntil(async () => {
      await handle.backfill([{ start: from, end: new Date(last.end) }]);
      const ends = await eventually(
        async () => {
          const rows = await q(
            `select window_end from learning_cycle_runs where cycle = 'five-minute' and window_end > $1 and window_end <= $2 order by 1`,
            [new Date(from.getTime() - 1), last.end],
          );
          return rows.rowCount && rows.rowCount >= 3
            ? rows.rows.map((r: { window_end: Date }) => r.window_end.toISOString())
            : undefined;
        },
        30_000,
        'back-filled windows',
      );
      // Each run analysed the window ending at its scheduled time.
      for (const e of ends) assert.equal(new Date(e).getTime() % (5 * MIN), 0);
      assert.ok(ends.includes(new Date(new Date(last.end).getTime() - 5 * MIN).toISOString()));
      assert.ok(ends.includes(new Date(new Date(last.end).getTime() - 10 * MIN).toISOString()));
    });
    for (const s of await client.listSchedules()) await stack.env.client.schedule.getHandle(s.scheduleId).delete();
  });

  it('chooses an agent by its record and logs the choice; bad input is rejected naming the field', async () => {
    const config = testConfig(stack.db.url);
    const client = stack.client(config);
    const recent = cycleWindow('five-minute', Date.now() - 3_600_000);
    await q(
      `insert into agent_performance (agent_id, capability, window_start, window_end, runs, successes, total_ms, p95_ms)
       values ('deployer-a', 'deploy', $1, $2, 40, 20, 4000, 200), ('deployer-b', 'deploy', $1, $2, 40, 38, 8000, 400)`,
      [recent.start, recent.end],
    );
    const choice = await client.selectAgent({
      capability: 'deploy',
      candidates: ['deployer-a', 'deployer-b', 'deployer-new'],
      purpose: 'release 1.2',
    });
    assert.equal(choice.chosen, 'deployer-b');
    assert.deepEqual(
      choice.ranking.map((r) => r.id),
      ['deployer-b', 'deployer-new', 'deployer-a'],
      'an unproven agent (0.67) ranks above a 50% record',
    );
    const logged = await q(
      `select decision, patterns from decision_log where decision like 'assign "deploy"%' order by id desc limit 1`,
    );
    assert.equal(logged.rows[0].decision, 'assign "deploy" to deployer-b');
    assert.equal(logged.rows[0].patterns.length, 3);

    // Pure ranking: equal records go to the faster, then to the given order.
    const tie = rankByPerformance(['slow', 'fast', 'same'], {
      slow: { runs: 10, successes: 10, avgMs: 50 },
      fast: { runs: 10, successes: 10, avgMs: 10 },
      same: { runs: 10, successes: 10, avgMs: 50 },
    });
    assert.deepEqual(
      tie.map((t) => t.id),
      ['fast', 'slow', 'same'],
    );

    await assert.rejects(
      client.selectAgent({ capability: 'deploy', candidates: [] }),
      (e) => e instanceof ValidationError && /candidates/.test(e.message),
    );
    await assert.rejects(
      client.runLearningCycle({ cycle: 'weekly' as never }),
      (e) => e instanceof ValidationError && /cycle/.test(e.message),
    );
    await assert.rejects(
      client.runLearningCycle({ cycle: 'daily', windowEnd: 'yesterday' }),
      (e) => e instanceof ValidationError && /windowEnd/.test(e.message),
    );
  });
});
