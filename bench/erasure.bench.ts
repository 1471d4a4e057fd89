/**
 * `npm run bench:erasure`: erasure of one user among many, on the embedded PostgreSQL and a real
 * dev server, timed end to end (`erasure.start` → receipt `finished`).
 * - seed (generate_series SQL): BENCH_ENTRIES memory entries (default 200,000) over 20 tenants and
 *   their users, of which BENCH_USER_ENTRIES (default 20,000) are the erased user's; the user's
 *   BENCH_SESSIONS sessions (default 100) with 50 messages each, and as many of other users;
 * - the erasure of that user (batches of 500), then the same for a user with nothing left.
 */
import { loadConfig, type BrainOpsConfig } from '../temporal.config';
import type { MemoryStore } from '../src/memory';
import {
  createBenchLogger,
  envInt,
  fmtMs,
  heading,
  machineLine,
  now,
  printFacts,
  printTable,
  runBench,
  serverVersion,
  sleep,
} from './lib';
import { asOperator, withBenchStack } from './stack';

const ENTRIES = envInt('BENCH_ENTRIES', 200_000);
const USER_ENTRIES = envInt('BENCH_USER_ENTRIES', 20_000);
const SESSIONS = envInt('BENCH_SESSIONS', 100);
const logger = createBenchLogger('bench-erasure');

async function seed(store: MemoryStore): Promise<void> {
  const q = (sql: string, params: unknown[] = []) => store.pool.query(sql, params);
  // Entries 1..USER_ENTRIES are user u-0 of tenant-0; the rest spread over 20 tenants and 100 users each.
  await q(
    `insert into memory_entries (key, value, content, memory_type, layer, scope, tenant_id, user_id)
     select 'bench/' || g, jsonb_build_object('n', g), 'entry ' || g, 'knowledge', 'long_term', 'user',
       case when g <= $2 then 'tenant-0' else 'tenant-' || (g % 20) end,
       case when g <= $2 then 'u-0' else 'u-' || (1 + g % 100) end
     from generate_series(1, $1::int) g`,
    [ENTRIES, USER_ENTRIES],
  );
  for (const [user, prefix] of [
    ['u-0', 'erased'],
    ['u-1', 'kept'],
  ] as const) {
    await q(
      `insert into sessions (tenant_id, session_id, user_id, workflow_id, message_count)
       select 'tenant-0', $2 || '-' || g, $1, 'session/tenant-0/' || $2 || '-' || g, 50 from generate_series(1, $3::int) g`,
      [user, prefix, SESSIONS],
    );
    await q(
      `insert into session_messages (tenant_id, session_id, seq, role, content, created_at)
       select 'tenant-0', $1 || '-' || s, m, 'user', 'message ' || m || ' of session ' || s, now()
       from generate_series(1, $2::int) s, generate_series(1, 50) m`,
      [prefix, SESSIONS],
    );
  }
  await q('analyze');
}

async function main(): Promise<void> {
  const base = loadConfig();
  const config: BrainOpsConfig = {
    ...base,
    temporal: { ...base.temporal, namespace: 'default', taskQueue: 'bench-erasure' },
  };
  await withBenchStack(
    { config, dbPort: 54421, temporalPort: 7421, cacheMaxEntries: 0, logger },
    async ({ db, store, worker, api }) => {
      heading('BrainOps erasure benchmark');
      printFacts([
        ['machine', machineLine()],
        ['database', `${db.description}, PostgreSQL ${await serverVersion(db.url)}`],
        [
          'data',
          `${ENTRIES.toLocaleString('en')} entries (${USER_ENTRIES.toLocaleString('en')} of the erased user), ${SESSIONS} sessions × 50 messages of the user and as many of another`,
        ],
      ]);
      let t = now();
      await seed(store);
      printFacts([['seed', fmtMs(now() - t) + ' ms']]);
      const rows: string[][] = [];
      await worker.runUntil(async () => {
        for (const userId of ['u-0', 'u-0']) {
          t = now();
          const { erasureId } = await asOperator(api.erasure.start, { tenantId: 'tenant-0', userId });
          let receipt = await asOperator(api.erasure.status, { erasureId });
          for (let i = 0; receipt.status !== 'finished' && i < 6000; i++) {
            await sleep(100);
            receipt = await asOperator(api.erasure.status, { erasureId });
          }
          const ms = now() - t;
          const deleted = Object.values(receipt.counts).reduce((a, b) => a + (b ?? 0), 0);
          rows.push([userId, String(deleted), fmtMs(ms), deleted ? ((deleted / ms) * 1000).toFixed(0) : '-']);
        }
      });
      printTable(['user', 'rows deleted', 'ms (start → finished)', 'rows/s'], rows);
      const left = await store.pool.query(
        `select (select count(*) from memory_entries where user_id = 'u-1' and tenant_id = 'tenant-0')::int as kept_entries,
           (select count(*) from session_messages where tenant_id = 'tenant-0')::int as kept_messages`,
      );
      printFacts([['left of the other user', JSON.stringify(left.rows[0])]]);
    },
  );
}

runBench(main, logger);
