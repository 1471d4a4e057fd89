/**
 * What `npm run bench:console` seeds, with generate_series SQL: `entries` memory entries (a tenth
 * of them tenant `acme`'s, the rest spread over 49 other tenants, written over the last 20 days,
 * some in the last hour), 1,000 sessions with 10 messages each, 5,000 error events over 7 days
 * (statuses mixed, some escalated and resolved), 50 insights, health results, agent records, API
 * searches of the last hour, and a procedure with step events; then ANALYZE.
 */
import type { Pool } from 'pg';

const BATCH = 100_000;

/** Seeds the bench database; returns ms per part. */
export async function seedConsoleBench(pool: Pool, entries: number): Promise<Record<string, number>> {
  const q = (sql: string, params: unknown[] = []) => pool.query(sql, params);
  const timings: Record<string, number> = {};
  let t = performance.now();
  for (let from = 1; from <= entries; from += BATCH) {
    const to = Math.min(entries, from + BATCH - 1);
    await q(
      `insert into memory_entries (key, value, title, content, memory_type, layer, scope, priority, importance, tags,
         tenant_id, session_id, created_at, updated_at, access_count)
       select 'bench/' || g, jsonb_build_object('n', g), 'entry ' || g,
         'entry ' || g || ' about ' || (array['billing','deploy','auth','search','cache'])[g % 5 + 1],
         (array['knowledge','system_event','task','ai_insight','api_call'])[g % 5 + 1],
         case when g % 10 = 0 then 'long_term' else 'short_term' end,
         case when g % 7 = 0 then 'session' else 'tenant' end, 'medium', (g % 100) / 125.0, array['t' || (g % 20)],
         case when g % 10 = 0 then 'acme' else 'tenant-' || (g % 49) end,
         case when g % 7 = 0 then 'session-' || (g % 1000) end,
         now() - make_interval(secs => (g % 1728000)), now() - make_interval(secs => (g % 1728000)), g % 3
       from generate_series($1::int, $2::int) g`,
      [from, to],
    );
  }
  // One entry written three times: it has a history of versions.
  for (let i = 0; i < 2; i++)
    await q(
      `update memory_entries set value = jsonb_build_object('v', $1::int), sync_version = sync_version + 1 where key = 'bench/10'`,
      [i],
    );
  timings.entries = performance.now() - t;

  t = performance.now();
  await q(
    `insert into sessions (tenant_id, session_id, agent_id, title, status, workflow_id, message_count, started_at, last_activity_at)
     select case when g % 10 = 0 then 'acme' else 'tenant-' || (g % 49) end, 'session-' || g, 'general_assistant',
       'session ' || g, case when g % 5 = 0 then 'active' else 'ended' end,
       'session/' || case when g % 10 = 0 then 'acme' else 'tenant-' || (g % 49) end || '/session-' || g, 10,
       now() - make_interval(mins => g), now() - make_interval(mins => g) + interval '5 minutes'
     from generate_series(1, 1000) g`,
  );
  await q(
    `insert into session_messages (tenant_id, session_id, seq, role, content, message_id, created_at)
     select s.tenant_id, s.session_id, m, case when m % 2 = 0 then 'assistant' else 'user' end,
       'message ' || m || ' of ' || s.session_id, 'bench-' || m, s.started_at + make_interval(secs => m)
     from sessions s cross join generate_series(1, 10) m`,
  );
  timings.sessions = performance.now() - t;

  t = performance.now();
  await q(
    `insert into error_events (signature, error_type, message, source, status, tenant_id, occurred_at, resolved_at, resolution_ms, escalated_at)
     select 'BenchError: failure of kind ' || (g % 30), 'BenchError', 'failure ' || g || ' of kind ' || (g % 30), 'bench',
       (array['open','resolved','resolved','ignored','escalated'])[g % 5 + 1],
       case when g % 10 = 0 then 'acme' else 'tenant-' || (g % 49) end,
       now() - make_interval(secs => g * 120),
       case when g % 5 in (1, 2) then now() - make_interval(secs => g * 120) + make_interval(secs => g % 600) end,
       case when g % 5 in (1, 2) then (g % 600) * 1000 end,
       case when g % 5 = 4 or g % 10 = 2 then now() - make_interval(secs => g * 120) + interval '1 minute' end
     from generate_series(1, 5000) g`,
  );
  await q(
    `insert into knowledge_base (problem_signature, description, action, success_count, failure_count, source)
     select 'BenchError: failure of kind ' || g, 'restart the service', 'restart-' || g, 10 + g, g % 4, 'learned'
     from generate_series(0, 29) g`,
  );
  await q(
    `insert into memory_entries (key, value, title, content, memory_type, layer, scope, priority, tags, category, source, metadata, updated_at)
     select 'insight/bench/' || g, '{}'::jsonb, 'Bench insight ' || g, 'what was found' || E'\\nRecommended action: look',
       'ai_insight', 'short_term', 'global', 'medium', array['insight', 'bench'], 'bench', 'bench',
       jsonb_build_object('severity', (array['info','low','medium','high'])[g % 4 + 1], 'recommendedAction', 'look', 'status', 'open'),
       now() - make_interval(mins => g)
     from generate_series(1, 50) g`,
  );
  await q(
    `insert into memory_entries (key, value, title, memory_type, layer, scope, source, tags, metadata)
     select 'health/' || t, jsonb_build_object('target', t, 'status', 'up', 'kind', 'http', 'latencyMs', 3, 'checkedAt', now()),
       t || ' is up', 'health_check', 'short_term', 'global', 'SystemMonitor', array['health'],
       jsonb_build_object('lastChangeAt', now() - interval '1 hour')
     from unnest(array['memory-database', 'temporal', 'web', 'redis']) t`,
  );
  await q(
    `insert into agent_performance (agent_id, capability, window_start, window_end, runs, successes, total_ms, p95_ms)
     select 'Agent' || (g % 4), 'capability-' || (g % 8), date_trunc('hour', now()) - make_interval(mins => (g / 8) * 5),
       date_trunc('hour', now()) - make_interval(mins => (g / 8) * 5) + interval '5 minutes', 10, 9, 500, 90
     from generate_series(0, 8 * 288 * 7 - 1) g on conflict do nothing`,
  );
  await q(
    `insert into api_access_log (at, key_id, tenant_id, operation, status, latency_ms, cache_hit)
     select now() - make_interval(secs => g), 'bench', case when g % 10 = 0 then 'acme' else 'tenant-' || (g % 49) end,
       'memory.search', 200, 5, null
     from generate_series(1, 3600) g`,
  );
  await q(
    `insert into procedures (name, version, description, enforcement, definition, source)
     values ('bench-op', 1, 'bench', 'strict', '{"name":"bench-op","version":1,"steps":[]}', 'client')`,
  );
  await q(
    `insert into procedure_runs (workflow_id, procedure_name, version, status, started_at, finished_at)
     select 'procedure/bench-op/v1/' || g, 'bench-op', 1, 'succeeded', now() - make_interval(mins => g), now() - make_interval(mins => g) + interval '1 minute'
     from generate_series(1, 200) g`,
  );
  await q(
    `insert into procedure_step_events (workflow_id, procedure_name, version, step_id, event, at)
     select 'procedure/bench-op/v1/' || g, 'bench-op', 1, 'step', (array['ran','ran','skipped','blocked'])[g % 4 + 1], now() - make_interval(mins => g)
     from generate_series(1, 200) g`,
  );
  await q('analyze');
  timings.rest = performance.now() - t;
  return timings;
}
